using Iced.Intel;
using LoaderHarness.Tests.Support;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Devices.Pci;

/// <summary>
/// A 32-bit guest that reads PCI bus 0 through configuration mechanism #1 (0xCF8/0xCFC) as Linux's
/// arch/x86/pci/direct.c does and prints it on COM1: one line per function that answers, its devfn, its 64 dwords,
/// then "W" and what each header dword from 0x04 to 0x3C reads back after all ones are written to it (the BAR
/// sizing of drivers/pci/probe.c __pci_read_base, which restores the old value after), then "E".
/// </summary>
internal static class PciConfigProbe
{
    /// <summary>The probe's code.</summary>
    public static void Build(Assembler a)
    {
        var io = new SerialProbe(a);
        Label function = a.CreateLabel(), dump = a.CreateLabel(), sizing = a.CreateLabel(), next = a.CreateLabel();
        a.cli();
        a.mov(esp, 0x9_0000);
        a.xor(ebx, ebx); // devfn
        a.Label(ref function);
        a.xor(esi, esi);
        SelectRegister(a);
        a.cmp(eax, -1);
        a.je(next); // nothing answers at this devfn
        a.mov(eax, ebx);
        io.PrintHex(2);
        a.Label(ref dump);
        SelectRegister(a);
        PrintDword(a, io);
        a.add(esi, 4);
        a.cmp(esi, 256);
        a.jb(dump);
        io.Print(' ');
        io.Print('W');
        a.mov(esi, 4);
        a.Label(ref sizing);
        SelectRegister(a);
        a.mov(ebp, eax);
        a.mov(eax, -1);
        a.@out(dx, eax);
        a.@in(eax, dx);
        a.xchg(eax, ebp);
        a.@out(dx, eax);
        a.mov(eax, ebp);
        PrintDword(a, io);
        a.add(esi, 4);
        a.cmp(esi, 0x40);
        a.jb(sizing);
        io.Print('\n');
        a.Label(ref next);
        a.inc(ebx);
        a.cmp(ebx, 256);
        a.jb(function);
        io.Finish();
        io.EmitRoutines();
    }

    /// <summary>CONFIG_ADDRESS ← enable | devfn (EBX) | register (ESI); EAX ← CONFIG_DATA; DX is left at 0xCFC.</summary>
    private static void SelectRegister(Assembler a)
    {
        a.mov(eax, ebx);
        a.shl(eax, 8);
        a.or(eax, esi);
        a.or(eax, unchecked((int)0x8000_0000));
        a.mov(dx, 0xCF8);
        a.@out(dx, eax);
        a.mov(dx, 0xCFC);
        a.@in(eax, dx);
    }

    /// <summary>A space, then EAX as eight hex digits.</summary>
    private static void PrintDword(Assembler a, SerialProbe io)
    {
        a.push(eax);
        io.Print(' ');
        a.pop(eax);
        io.PrintHex(8);
    }
}
