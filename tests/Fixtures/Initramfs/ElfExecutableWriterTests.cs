using System.Buffers.Binary;
using System.Diagnostics;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fixtures.Initramfs;

/// <summary>The static ELF64 executable writer against the gABI's Elf64_Ehdr/Elf64_Phdr offsets, and GNU readelf's view of it.</summary>
[TestFixture]
public sealed class ElfExecutableWriterTests
{
    [TestCase(ElfExecutableWriter.MachineX86_64)]
    [TestCase(ElfExecutableWriter.MachineAarch64)]
    public void Header_and_single_load_segment_follow_the_gabi(ushort machine)
    {
        var file = ElfExecutableWriter.Write(machine, [0xC3, 0x90, 0x90], 0x40_0000, 0x2_0000);
        file.Length.ShouldBe(ElfExecutableWriter.CodeOffset + 3);
        file.AsSpan(0, 8).ToArray().ShouldBe(new byte[] { 0x7F, (byte)'E', (byte)'L', (byte)'F', 2, 1, 1, 0 });
        U16(file, 16).ShouldBe((ushort)2);              // ET_EXEC
        U16(file, 18).ShouldBe(machine);
        U32(file, 20).ShouldBe(1u);
        U64(file, 24).ShouldBe(0x40_0080UL);            // e_entry: the code right after the headers
        U64(file, 32).ShouldBe(64UL);                   // e_phoff
        U16(file, 52).ShouldBe((ushort)64);             // e_ehsize
        U16(file, 54).ShouldBe((ushort)56);             // e_phentsize
        U16(file, 56).ShouldBe((ushort)1);              // e_phnum
        U16(file, 60).ShouldBe((ushort)0);              // e_shnum
        U32(file, 64).ShouldBe(1u);                     // PT_LOAD
        U32(file, 68).ShouldBe(7u);                     // PF_R | PF_W | PF_X
        U64(file, 72).ShouldBe(0UL);                    // p_offset
        U64(file, 80).ShouldBe(0x40_0000UL);            // p_vaddr
        U64(file, 96).ShouldBe((ulong)file.Length);     // p_filesz
        U64(file, 104).ShouldBe(0x2_0000UL);            // p_memsz
        U64(file, 112).ShouldBe(0x1_0000UL);            // p_align
        file[ElfExecutableWriter.CodeOffset].ShouldBe((byte)0xC3);
    }

    [Test]
    public void Rejects_a_misaligned_load_address_and_a_memory_size_below_the_file()
    {
        Should.Throw<ArgumentException>(() => ElfExecutableWriter.Write(62, [0], 0x40_1000, 0x1_0000));
        Should.Throw<ArgumentException>(() => ElfExecutableWriter.Write(62, new byte[0x100], 0x40_0000, 0x100));
    }

    [TestCase(ElfExecutableWriter.MachineX86_64, "Advanced Micro Devices X86-64")]
    [TestCase(ElfExecutableWriter.MachineAarch64, "AArch64")]
    public void Gnu_readelf_sees_an_executable_with_one_rwx_load_segment(ushort machine, string machineName)
    {
        // binutils-aarch64-linux-gnu's readelf reads ELF files of any machine.
        var readelf = Prerequisite.RequireTool("aarch64-linux-gnu-readelf", GnuAarch64Assembler.AptPackage);
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, ElfExecutableWriter.Write(machine, new byte[16], 0x40_0000, 0x2_0000));
            var start = new ProcessStartInfo(readelf) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])["-W", "-h", "-l", path])
                start.ArgumentList.Add(argument);
            using var process = Process.Start(start)!;
            var errors = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            process.ExitCode.ShouldBe(0);
            errors.Result.ShouldBeEmpty();
            output.ShouldContain("EXEC (Executable file)");
            output.ShouldContain(machineName);
            output.ShouldContain("Entry point address:               0x400080");
            output.ShouldMatch(@"LOAD\s+0x000000 0x0000000000400000 0x0000000000400000 0x000090 0x020000 RWE 0x10000");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static ushort U16(byte[] b, int o) => BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(o));
    private static uint U32(byte[] b, int o) => BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(o));
    private static ulong U64(byte[] b, int o) => BinaryPrimitives.ReadUInt64LittleEndian(b.AsSpan(o));
}
