/*
 * An ACPI vmclock device for the test guest: HID AMZNC10C (and CID VMCLOCK), its page at
 * VRTC_PAGE_ADDRESS. run.sh substitutes the address and compiles this with iasl at test time;
 * the guest's init places the shared-memory BAR (ivshmem) at that address before loading the
 * driver.
 */
DefinitionBlock ("", "SSDT", 2, "VRTC", "VMCLOCK", 0x00000001)
{
    Scope (\_SB)
    {
        Device (VRTC)
        {
            Name (_HID, "AMZNC10C")
            Name (_CID, "VMCLOCK")
            Name (_UID, Zero)
            Name (_DDN, "vrtc test vmclock")
            Method (_STA, 0, NotSerialized)
            {
                Return (0x0F)
            }
            Name (_CRS, ResourceTemplate ()
            {
                QWordMemory (ResourceConsumer, PosDecode, MinFixed, MaxFixed, Cacheable, ReadOnly,
                    0x0000000000000000,     // granularity
                    VRTC_PAGE_ADDRESS,      // minimum
                    VRTC_PAGE_END,          // maximum
                    0x0000000000000000,     // translation
                    0x0000000000001000,     // length: one 4 KiB page
                    ,, , AddressRangeMemory, TypeStatic)
            })
        }
    }
}
