using Iced.Intel;
using LoaderHarness.Emulator.Vcpu;
using LoaderHarness.Emulator.Vcpu.Acpi;
using LoaderHarness.Emulator.Vcpu.Smbios;
using LoaderHarness.Tests.Support;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Vcpu.Smbios;

/// <summary>
/// The qemu profile's SMBIOS tables against a live QEMU 7.2 <c>-M pc</c> guest: a probe scans the F-segment for the
/// "_SM_" anchor on 16-byte boundaries (as drivers/firmware/dmi_scan.c does) and prints the entry point's address and
/// bytes, then the structure table's address and bytes; ours must be the same, address for address and byte for byte.
/// </summary>
[TestFixture]
public sealed class QemuPcSmbiosTests
{
    /// <summary>QEMU's qemu64 CPUID leaf 1 EAX and EDX under TCG (the MP table test's, as the live guest's type 4 carries them).</summary>
    private static readonly (uint Eax, uint Edx) Qemu64 = (0x0006_0FB1, 0x078B_FBFD);

    [TestCase("512M", 512UL << 20)]
    [TestCase("3000M", 3000UL << 20)]
    [TestCase("5G", 5UL << 30)]
    [Category("Qemu")]
    public void The_tables_are_qemus_and_seabioss_where_seabios_puts_them(string qemuMemory, ulong ramBytes)
    {
        var expected = SerialProbe.RunInQemuPc(SerialProbe.Elf(Build), qemuMemory);

        using var memory = VmmProfiles.Qemu.CreateMemory(ramBytes);
        var ours = QemuPcSmbios.For(memory, Qemu64);
        string.Join('\n', $"{ours.Address:x8}", Convert.ToHexStringLower(ours.EntryPoint()), $"{ours.TableAddress:x8}",
            Convert.ToHexStringLower(ours.Table()), "E").ShouldBe(expected);
    }

    [Test]
    public void The_entry_point_lies_between_the_rsdp_and_the_mp_table()
    {
        using var memory = VmmProfiles.Qemu.CreateMemory(512UL << 20);
        var tables = QemuPcSmbios.For(memory, Qemu64);
        // Live guest: entry point 0xF59F0, structures 0xF5A10-0xF5B93 (388 bytes), then the MP floating pointer at 0xF5BA0.
        (tables.Address, tables.TableAddress, tables.Table().Length).ShouldBe((0xF_59F0UL, 0xF_5A10UL, 388));
        QemuPcAcpi.Rsdp(memory).ShouldBe(0xF_59D0UL);
    }

    /// <summary>The probe: find "_SM_", print its address, its 31 bytes, the table's address and its bytes.</summary>
    private static void Build(Assembler a)
    {
        var io = new SerialProbe(a);
        Label scan = a.CreateLabel(), found = a.CreateLabel(), done = a.CreateLabel();
        a.cli();
        a.mov(esp, 0x9_0000);
        a.mov(esi, 0xF_0000);
        a.Label(ref scan);
        a.cmp(__dword_ptr[esi], 0x5F4D_535F); // "_SM_"
        a.je(found);
        a.add(esi, 16);
        a.cmp(esi, 0x10_0000);
        a.jb(scan);
        a.jmp(done);
        a.Label(ref found);
        a.mov(eax, esi);
        io.PrintHex(8);
        io.Print('\n');
        a.mov(ebx, esi);
        a.mov(ebp, 31);
        Dump(a, io);
        io.Print('\n');
        a.mov(eax, __dword_ptr[esi + 0x18]); // structure table address
        io.PrintHex(8);
        io.Print('\n');
        a.mov(ebx, __dword_ptr[esi + 0x18]);
        a.movzx(ebp, __word_ptr[esi + 0x16]); // structure table length
        Dump(a, io);
        io.Print('\n');
        a.Label(ref done);
        io.Finish();
        io.EmitRoutines();
    }

    /// <summary>EBP bytes from EBX, two hex digits each.</summary>
    private static void Dump(Assembler a, SerialProbe io)
    {
        var next = a.CreateLabel();
        a.Label(ref next);
        a.movzx(eax, __byte_ptr[ebx]);
        io.PrintHex(2);
        a.inc(ebx);
        a.dec(ebp);
        a.jnz(next);
    }
}
