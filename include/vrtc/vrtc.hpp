// vrtc: umbrella header (convenience only; no other header includes it).
#pragma once

#include "bytes.hpp"
#include "chrono.hpp"
#include "civil.hpp"
#include "config.hpp"
#include "leap.hpp"
#include "messages.hpp"
#include "protocol.hpp"
#include "result.hpp"
#include "smear.hpp"
#include "time.hpp"
#include "u128.hpp"
