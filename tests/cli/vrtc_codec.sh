#!/usr/bin/env bash
# vrtc-codec: exact output of encode and decode for each message kind, and the one-line JSON
# error with exit status 2 for every class of bad input. Expected bytes are the spec's layouts.
set -euo pipefail
codec="$1/vrtc-codec"
failures=0

# check EXPECTED_STATUS EXPECTED_OUTPUT ARGS...
check() {
  local want_status=$1 want=$2 got status
  shift 2
  set +e
  got=$("$codec" "$@" 2>&1)
  status=$?
  set -e
  if [[ $status -ne $want_status || "$got" != "$want" ]]; then
    printf 'FAIL: vrtc-codec %s\n  expected (exit %s): %s\n  got      (exit %s): %s\n' \
      "$*" "$want_status" "$want" "$status" "$got"
    failures=$((failures + 1))
  fi
}
ok() { check 0 "$@"; }
bad() { check 2 "{\"error\": \"$1\"}" "${@:2}"; }

# --- encode, every message kind (5.23.6) ---
ok 0010000000000000 encode '{"msg": "CFG", "dir": "req"}'
ok 00000000000000000300000000000000 encode '{"msg": "CFG", "dir": "resp", "num_clocks": 3}'
ok 01000000000000000100000000000000 encode '{"msg": "READ", "dir": "req", "clock_id": 1}'
ok 000000000000000015cd853dfe9c9717 encode '{"msg": "READ", "dir": "resp", "status": 0, "clock_reading": 1700000000123456789}'
ok 0000000000000000ffffffffffffffff encode '{"msg": "READ", "dir": "resp", "clock_reading": 18446744073709551615}'
ok 02000000000000000300010000000000 encode '{"msg": "READ_CROSS", "dir": "req", "clock_id": 3, "hw_counter": 1}'
ok 00000000000000000000000000000080efcdab8967452301 \
  encode '{"msg": "READ_CROSS", "dir": "resp", "clock_reading": 9223372036854775808, "counter_cycles": 81985529216486895}'
ok 01100000000000000200000000000000 encode '{"msg": "CLOCK_CAP", "dir": "req", "clock_id": 2}'
ok 00000000000000000301010000000000 \
  encode '{"msg": "CLOCK_CAP", "dir": "resp", "type": 3, "leap_second_smearing": 1, "flags": 1}'
ok 02100000000000000001fe0000000000 encode '{"msg": "CROSS_CAP", "dir": "req", "clock_id": 256, "hw_counter": 254}'
ok 00000000000000000100000000000000 encode '{"msg": "CROSS_CAP", "dir": "resp", "flags": 1}'
ok 03100000000000000500000000000000 encode '{"msg": "READ_ALARM", "dir": "req", "clock_id": 5}'
ok 00000000000000000000b49376e2fa180100000000000000 \
  encode '{"msg": "READ_ALARM", "dir": "resp", "alarm_time": 1800000000000000000, "flags": 1}'
ok 04100000000000000000b49376e2fa180000010000000000 \
  encode '{"msg": "SET_ALARM", "dir": "req", "clock_id": 0, "alarm_time": 1800000000000000000, "flags": 1}'
ok 0000000000000000 encode '{"msg": "SET_ALARM", "dir": "resp"}'
ok 05100000000000000700000000000000 encode '{"msg": "SET_ALARM_ENABLED", "dir": "req", "clock_id": 7, "flags": 0}'
ok 0500000000000000 encode '{"msg": "SET_ALARM_ENABLED", "dir": "resp", "status": 5}'
ok 00200000000000000900000000000000 encode '{"msg": "NOTIF_ALARM", "clock_id": 9}'
ok 0300000000000000 encode '{"msg": "READ", "dir": "resp", "status": 3}'

# --- decode: requests and NOTIF_ALARM are self-describing ---
ok '{"msg": "CFG", "dir": "req"}' decode 0010000000000000
ok '{"msg": "READ", "dir": "req", "clock_id": 65535}' decode 0100000000000000ffff000000000000
ok '{"msg": "READ_CROSS", "dir": "req", "clock_id": 1, "hw_counter": 240}' decode 02000000000000000100f00000000000
ok '{"msg": "SET_ALARM", "dir": "req", "alarm_time": 1800000000000000000, "clock_id": 0, "flags": 1}' \
  decode 04100000000000000000b49376e2fa180000010000000000
ok '{"msg": "SET_ALARM_ENABLED", "dir": "req", "clock_id": 0, "flags": 0}' decode 05100000000000000000000000000000
ok '{"msg": "NOTIF_ALARM", "clock_id": 3}' decode 00200000000000000300000000000000
# bytes beyond the message and reserved bytes are ignored; upper-case hex and spaces are accepted
ok '{"msg": "READ", "dir": "req", "clock_id": 2}' decode '0100 FF0000000000 0200 000000000000 aabb'
ok '{"msg": "READ", "dir": "req", "clock_id": 2}' decode --dir req 01000000000000000200000000000000

# --- decode: responses need --msg and --dir ---
ok '{"msg": "CFG", "dir": "resp", "status": 0, "num_clocks": 3}' decode --msg CFG --dir resp 00000000000000000300000000000000
ok '{"msg": "READ", "dir": "resp", "status": 0, "clock_reading": 9223372036854775808}' \
  decode --msg READ --dir resp 00000000000000000000000000000080
ok '{"msg": "CLOCK_CAP", "dir": "resp", "status": 0, "type": 240, "leap_second_smearing": 0, "flags": 254}' \
  decode --dir resp --msg CLOCK_CAP 0000000000000000f000fe0000000000
ok '{"msg": "READ_ALARM", "dir": "resp", "status": 0, "alarm_time": 1800000000000000000, "flags": 1}' \
  decode --msg READ_ALARM --dir resp 00000000000000000000b49376e2fa180100000000000000
ok '{"msg": "SET_ALARM", "dir": "resp", "status": 0}' decode --msg SET_ALARM --dir resp 0000000000000000
ok '{"msg": "READ", "dir": "resp", "status": 3}' decode --msg READ --dir resp 0300000000000000
ok '{"msg": "READ_CROSS", "dir": "resp", "status": 2}' decode --msg READ_CROSS --dir resp 0200000000000000ffffffffffffffff
ok '{"msg": "CFG", "dir": "req"}' decode --msg CFG --dir req 0010000000000000
ok '{"msg": "NOTIF_ALARM", "clock_id": 0}' decode --msg NOTIF_ALARM 00200000000000000000000000000000

# --- 64-bit integers stay exact (2^53 + 1 and 2^64 - 1 are not doubles) ---
for v in 9007199254740993 18446744073709551615; do
  hex=$("$codec" encode "{\"msg\": \"READ\", \"dir\": \"resp\", \"clock_reading\": $v}")
  ok "{\"msg\": \"READ\", \"dir\": \"resp\", \"status\": 0, \"clock_reading\": $v}" decode --msg READ --dir resp "$hex"
done
ok 00000000000000000100000000002000 encode '{"msg": "READ", "dir": "resp", "clock_reading": 9007199254740993}'
bad 'invalid JSON: expected an object' encode '[1]'

# --- help ---
for args in "--help" "-h" "decode --help"; do
  # shellcheck disable=SC2086
  help=$("$codec" $args) || { echo "FAIL: vrtc-codec $args exits non-zero"; failures=$((failures + 1)); }
  [[ "$help" == usage:* ]] || { echo "FAIL: vrtc-codec $args does not print usage"; failures=$((failures + 1)); }
done

# --- every class of bad input: exit 2 and exactly one line of JSON ---
bad 'no command given; try vrtc-codec --help'
bad 'unknown command \"frobnicate\"; try vrtc-codec --help' frobnicate
bad 'JSON is required; try vrtc-codec --help' encode
bad 'The following argument was not expected: extra; try vrtc-codec --help' encode '{}' extra
bad 'HEX is required; try vrtc-codec --help' decode
bad 'The following argument was not expected: --verbose; try vrtc-codec --help' decode --verbose 0010000000000000
bad '--msg: 1 required NAME missing; try vrtc-codec --help' decode 0010000000000000 --msg
bad '--msg: At Most 1 required but received 2; try vrtc-codec --help' decode --msg CFG --msg CFG --dir req 0010000000000000
bad 'The following argument was not expected: 0010000000000000; try vrtc-codec --help' decode 0010000000000000 0010000000000000
# invalid hex, odd length
bad "invalid hex: unexpected character 'g'" decode 001g000000000000
bad 'invalid hex: odd number of digits' decode 001000000000000
# unknown name, bad dir
bad 'unknown message name \"NOTIF\"' decode --msg NOTIF --dir req 0010000000000000
bad 'unknown message name \"read\"' encode '{"msg": "read", "dir": "req", "clock_id": 1}'
bad 'missing dir (\"req\" or \"resp\") for READ' decode --msg READ 0100000000000000
bad 'dir must be \"req\" or \"resp\", not \"response\"' decode --msg READ --dir response 0100000000000000
bad 'NOTIF_ALARM has no dir (it is an alarmq notification)' encode '{"msg": "NOTIF_ALARM", "dir": "req", "clock_id": 0}'
bad 'a response carries no msg_type: give --msg NAME --dir resp' decode --dir resp 00000000000000000300000000000000
bad 'msg_type 0x2000 is NOTIF_ALARM, which has no dir (it is an alarmq notification)' \
  decode --dir req 00200000000000000000000000000000
# missing field, unknown key, wrong JSON type, value out of range
bad 'missing \"msg\"' encode '{"dir": "req"}'
bad 'missing field \"clock_id\" for READ req' encode '{"msg": "READ", "dir": "req"}'
bad 'missing field \"flags\" for SET_ALARM req' encode '{"msg": "SET_ALARM", "dir": "req", "clock_id": 0, "alarm_time": 1}'
bad 'unknown key \"clockid\" for READ req' encode '{"msg": "READ", "dir": "req", "clock_id": 1, "clockid": 1}'
bad 'field \"clock_reading\" is undefined in a response with a non-zero status' \
  encode '{"msg": "READ", "dir": "resp", "status": 4, "clock_reading": 1}'
bad '\"msg\" must be a string' encode '{"msg": 1, "dir": "req"}'
bad 'field \"clock_id\" must be an integer from 0 to 65535' encode '{"msg": "READ", "dir": "req", "clock_id": 65536}'
bad 'field \"clock_id\" must be an integer from 0 to 65535' encode '{"msg": "READ", "dir": "req", "clock_id": -1}'
bad 'field \"clock_id\" must be an integer from 0 to 65535' encode '{"msg": "READ", "dir": "req", "clock_id": "1"}'
bad 'field \"hw_counter\" must be an integer from 0 to 255' encode '{"msg": "CROSS_CAP", "dir": "req", "clock_id": 0, "hw_counter": 256}'
bad 'field \"status\" must be an integer from 0 to 255' encode '{"msg": "CFG", "dir": "resp", "status": 256, "num_clocks": 1}'
bad 'field \"clock_reading\" must be an integer from 0 to 18446744073709551615' encode '{"msg": "READ", "dir": "resp", "clock_reading": 18446744073709551616}'
bad "invalid JSON: parse error at line 1, column 2: syntax error while parsing object key - invalid literal; last read: '{m'; expected string literal" encode '{msg: READ}'
bad "invalid JSON: parse error at line 1, column 30: syntax error while parsing value - invalid literal; last read: '\\\"req\\\"} x'; expected end of input" encode '{"msg": "CFG", "dir": "req"} x'
# too few bytes, unknown and wrong msg_type
bad 'too few bytes: 1, a msg_type needs 2' decode 01
bad 'too few bytes: 0, a msg_type needs 2' decode ''
bad 'too few bytes for READ req: 15, need 16' decode 010000000000000001000000000000
bad 'too few bytes for SET_ALARM req: 8, need 24' decode 0410000000000000
bad 'too few bytes for NOTIF_ALARM: 2, need 16' decode 0020
bad 'too few bytes for READ resp: 7, a response needs at least 8' decode --msg READ --dir resp 03000000000000
bad 'too few bytes for READ_CROSS resp: 16, an OK response needs 24' \
  decode --msg READ_CROSS --dir resp 000000000000000015cd853dfe9c9717
bad 'unknown msg_type 0x0003' decode 03000000000000000000000000000000
bad 'unknown msg_type 0x0010' decode 1000000000000000
bad 'msg_type 0x1000 is CFG, not READ' decode --msg READ --dir req 00100000000000000000000000000000
bad 'msg_type 0x2000 is NOTIF_ALARM, not CLOCK_CAP' decode --msg CLOCK_CAP --dir req 00200000000000000000000000000000

if [[ $failures -ne 0 ]]; then
  echo "$failures check(s) failed"
  exit 1
fi
echo "vrtc-codec: all checks passed"
