namespace LoaderHarness.Emulator.Vcpu.Bios;

/// <summary>
/// The answers of qboot, QEMU <c>-M microvm</c>'s firmware (github.com/bonzini/qboot): main.c setup_idt points every
/// vector at <c>bios_intfake</c> (entry.S: sets CF in the saved FLAGS and IRETs, the registers untouched) except INT 10h
/// and INT 15h. INT 10h (code16.c int10_handler, entered with CF cleared): AH=0Eh writes AL to the serial port, AH=4Fh
/// answers AX=014Fh (VBE failed), anything else returns untouched. INT 15h (code16.c int15_handler, CF cleared): EAX=E820h
/// is e820_query_map, anything else sets CF. So Linux's arch/x86/boot/memory.c gets no E801h answer (alt_mem_k stays
/// 0) and keeps AX=8800h from 88h as ext_mem_k, and main.c query_ist keeps EAX=E980h as the IST signature.
/// </summary>
internal sealed class QbootServices(SystemServices system, VideoServices video)
{
    /// <summary>
    /// Answers the call in <paramref name="f"/> as qboot does; false for the vectors qboot also answers with CF set
    /// but Linux's setup code never calls (the harness stops there, naming the interrupt, rather than guess).
    /// </summary>
    public bool Answer(byte vector, BiosFrame f)
    {
        switch (vector)
        {
            case 0x10:
                f.SetCarry(false);
                if (f.Ah == 0x0E)
                    video.Print(f.Al);
                else if (f.Ah == 0x4F)
                    f.Ax = 0x014F; // code16.c VBE_STATUS_FAIL
                return true;
            case 0x15:
                f.SetCarry(false);
                // int15_handler switches on the whole of regs->eax.
                if (f.Eax == 0xE820)
                    system.QbootE820(f);
                else
                    f.SetCarry(true);
                return true;
            case 0x11 or 0x12 or 0x13 or 0x16 or 0x1A:
                // bios_intfake: "Set CF to indicate failure" and return.
                f.SetCarry(true);
                return true;
            default:
                return false;
        }
    }
}
