using Iced.Intel;
using LoaderHarness.Fixtures.Images;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Support;

/// <summary>
/// What the 32-bit probe guests share, which read platform state and print it in hex on COM1 so that QEMU and the
/// engine can be compared transcript for transcript: the two routines and the PVH ELF that carries a probe into QEMU
/// (Xen's include/public/elfnote.h XEN_ELFNOTE_PHYS32_ENTRY: 32-bit protected mode, paging off, after the firmware).
/// </summary>
internal sealed class SerialProbe(Assembler a)
{
    /// <summary>Where a probe is loaded and entered.</summary>
    public const uint Base = 0x10_0000;

    /// <summary>AL to COM1's transmit register (both UARTs take it at once); clobbers DX.</summary>
    public Label Putc { get; } = a.CreateLabel();

    /// <summary>The low ECX nibbles of EAX as hex digits, most significant first; clobbers EAX, ECX, EDX, EDI.</summary>
    public Label Hex { get; } = a.CreateLabel();

    /// <summary>Emits AL = <paramref name="c"/> and a call of <see cref="Putc"/>.</summary>
    public void Print(char c)
    {
        a.mov(al, (byte)c);
        a.call(Putc);
    }

    /// <summary>Emits a call of <see cref="Hex"/> for the low <paramref name="digits"/> nibbles of EAX.</summary>
    public void PrintHex(int digits)
    {
        a.mov(ecx, digits);
        a.call(Hex);
    }

    /// <summary>Emits the routines' code; call once, after the probe's own code.</summary>
    public void EmitRoutines()
    {
        var putc = Putc;
        a.Label(ref putc);
        a.mov(dx, 0x3F8);
        a.@out(dx, al);
        a.ret();

        Label hex = Hex, nibble = a.CreateLabel(), digit = a.CreateLabel();
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
        a.call(Putc);
        a.pop(ecx);
        a.loop(nibble);
        a.ret();
    }

    /// <summary>Emits "E", a newline, the write of QEMU's isa-debug-exit port (the engine's own debug-exit too) and HLT.</summary>
    public void Finish()
    {
        Print('E');
        Print('\n');
        a.mov(al, 0);
        a.@out(0xF4, al);
        a.hlt();
    }

    /// <summary><paramref name="build"/>'s probe as a PVH ELF for QEMU.</summary>
    public static byte[] Elf(Action<Assembler> build)
    {
        var a = new Assembler(32);
        build(a);
        var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), Base);
        return ElfWriter.Write(new ElfSpec { Code = stream.ToArray(), PhysicalAddress = Base, VirtualAddress = Base, Entry = Base, PvhEntry = Base });
    }

    /// <summary>Runs <paramref name="elf"/> in QEMU 7.2 <c>-M pc -nodefaults</c> with <paramref name="memory"/> and returns its transcript up to "E".</summary>
    public static string RunInQemuPc(byte[] elf, string memory)
    {
        var qemu = QemuOracle.Require(QemuMachine.Pc);
        var path = Path.Combine(TestContext.CurrentContext.WorkDirectory, $"probe-{Guid.NewGuid():n}.elf");
        File.WriteAllBytes(path, elf);
        try
        {
            var run = QemuOracle.Run(qemu, ["-M", "pc", "-accel", "tcg", "-m", memory, "-display", "none", "-nodefaults", "-serial", "stdio",
                "-no-reboot", "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-kernel", path], TimeSpan.FromMinutes(1));
            var text = string.Join('\n', run.Lines.Select(l => l.Line).SkipWhile(l => l.Length == 0)).TrimEnd();
            if (!text.EndsWith('E'))
                throw new InvalidOperationException($"the probe did not finish in QEMU: {run}");
            return text;
        }
        finally
        {
            File.Delete(path);
        }
    }
}
