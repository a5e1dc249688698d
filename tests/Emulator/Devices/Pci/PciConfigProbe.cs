using Iced.Intel;
using LoaderHarness.Fixtures.Images;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Devices.Pci;

/// <summary>
/// A 32-bit guest that reads PCI bus 0 through configuration mechanism #1 (0xCF8/0xCFC) as Linux's
/// arch/x86/pci/direct.c does and prints it on COM1: one line per function that answers, its devfn, its 64 dwords,
/// then "W" and what each header dword from 0x04 to 0x3C reads back after all ones are written to it (the BAR
/// sizing of drivers/pci/probe.c __pci_read_base, which restores the old value after), then "E". It runs the same
/// in QEMU, where it is a PVH ELF (Xen's include/public/elfnote.h XEN_ELFNOTE_PHYS32_ENTRY: 32-bit protected mode,
/// paging off) started after SeaBIOS, and in the engine.
/// </summary>
internal static class PciConfigProbe
{
    /// <summary>Where the probe is loaded and entered.</summary>
    public const uint Base = 0x10_0000;

    /// <summary>The probe's code.</summary>
    public static void Build(Assembler a)
    {
        Label function = a.CreateLabel(), dump = a.CreateLabel(), sizing = a.CreateLabel(), next = a.CreateLabel();
        Label putc = a.CreateLabel(), hex = a.CreateLabel(), nibble = a.CreateLabel(), digit = a.CreateLabel();
        a.cli();
        a.mov(esp, 0x9_0000);
        a.xor(ebx, ebx); // devfn
        a.Label(ref function);
        a.xor(esi, esi);
        SelectRegister(a);
        a.cmp(eax, -1);
        a.je(next); // nothing answers at this devfn
        a.mov(eax, ebx);
        a.mov(ecx, 2);
        a.call(hex);
        a.Label(ref dump);
        SelectRegister(a);
        Print(a, putc, hex, ' ');
        a.add(esi, 4);
        a.cmp(esi, 256);
        a.jb(dump);
        a.mov(al, (byte)' ');
        a.call(putc);
        a.mov(al, (byte)'W');
        a.call(putc);
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
        Print(a, putc, hex, ' ');
        a.add(esi, 4);
        a.cmp(esi, 0x40);
        a.jb(sizing);
        a.mov(al, (byte)'\n');
        a.call(putc);
        a.Label(ref next);
        a.inc(ebx);
        a.cmp(ebx, 256);
        a.jb(function);
        a.mov(al, (byte)'E');
        a.call(putc);
        a.mov(al, (byte)'\n');
        a.call(putc);
        a.mov(al, 0);
        a.@out(0xF4, al); // QEMU's isa-debug-exit
        a.hlt();

        // putc: AL to COM1's transmit register (both UARTs take it at once).
        a.Label(ref putc);
        a.mov(dx, 0x3F8);
        a.@out(dx, al);
        a.ret();

        // hex: the low ECX nibbles of EAX, most significant first.
        a.Label(ref hex);
        a.mov(edi, eax);
        a.Label(ref nibble);
        a.lea(eax, __[ecx * 4 - 4]);
        a.xchg(eax, ecx);
        a.mov(edx, edi);
        a.shr(edx, cl);
        a.xchg(eax, ecx);
        a.and(edx, 0xF);
        a.add(dl, (byte)'0');
        a.cmp(dl, (byte)'9');
        a.jbe(digit);
        a.add(dl, 'a' - '9' - 1);
        a.Label(ref digit);
        a.mov(al, dl);
        a.push(ecx);
        a.call(putc);
        a.pop(ecx);
        a.loop(nibble);
        a.ret();
    }

    /// <summary>The probe as a PVH ELF for QEMU.</summary>
    public static byte[] Elf()
    {
        var a = new Assembler(32);
        Build(a);
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), Base);
        return ElfWriter.Write(new ElfSpec
        {
            Code = stream.ToArray(),
            PhysicalAddress = Base,
            VirtualAddress = Base,
            Entry = Base,
            PvhEntry = Base,
        });
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

    /// <summary>A separator, then EAX as eight hex digits.</summary>
    private static void Print(Assembler a, Label putc, Label hex, char separator)
    {
        a.push(eax);
        a.mov(al, (byte)separator);
        a.call(putc);
        a.pop(eax);
        a.mov(ecx, 8);
        a.call(hex);
    }
}
