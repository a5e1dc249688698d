using System.Buffers.Binary;
using System.Text;
using Iced.Intel;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Fixtures.Initramfs;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Fixtures.Initramfs;

/// <summary>
/// What can be checked of the two /init programs without a kernel (the QEMU oracle tests run them for real):
/// their ELF wrapping, the system calls they make, and the report prefix they carry.
/// </summary>
[TestFixture]
public sealed class InitProgramTests
{
    [Test]
    public void X86_init_makes_exactly_the_documented_system_calls()
    {
        var code = X86InitProgram.Assemble();
        var decoder = Iced.Intel.Decoder.Create(64, new ByteArrayCodeReader(code));
        decoder.IP = InitProgramLayout.Entry;
        var numbers = new SortedSet<long>();
        var registers = new Dictionary<Register, long>();
        var end = InitProgramLayout.Entry + (ulong)code.Length;
        var rebootArguments = (0L, 0L, 0L);
        while (decoder.IP < end)
        {
            var instruction = decoder.Decode();
            if (instruction.Code == Code.Syscall)
            {
                numbers.Add(registers[Register.EAX]);
                if (registers[Register.EAX] == 169)
                    rebootArguments = (registers[Register.EDI], registers[Register.ESI], registers[Register.EDX]);
            }
            else if (instruction.Mnemonic == Mnemonic.Mov && instruction.Op0Kind == OpKind.Register && instruction.Op1Kind == OpKind.Immediate32)
            {
                registers[instruction.Op0Register] = instruction.Immediate32;
            }
            else if (instruction.Mnemonic == Mnemonic.Ret && decoder.IP > end - 200)
            {
                break; // the string pool follows the last routine
            }
        }
        // syscall_64.tbl: read 0, write 1, open 2, close 3, ioctl 16, getpid 39, exit 60, mkdir 83, mount 165, reboot 169.
        numbers.ShouldBe([0, 1, 2, 3, 16, 39, 60, 83, 165, 169]);
        // include/uapi/linux/reboot.h: LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_POWER_OFF.
        rebootArguments.ShouldBe((0xFEE1_DEADL, 672274793L, 0x4321_FEDCL));
    }

    [Test]
    public void X86_init_is_an_x86_64_executable_carrying_its_report_prefix()
    {
        var file = X86InitProgram.BuildExecutable();
        BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(18)).ShouldBe(ElfExecutableWriter.MachineX86_64);
        BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(104)).ShouldBe(InitProgramLayout.MemorySize);
        Encoding.ASCII.GetString(file).ShouldContain(InitProgramLayout.Prefix("x86_64"));
        // The code and strings stay below the buffers that the zeroed memory holds.
        (InitProgramLayout.LoadAddress + (ulong)file.Length).ShouldBeLessThan(InitProgramLayout.FileBuffer);
    }

    [Test]
    public void Arm64_init_is_an_aarch64_executable_with_one_svc_per_call_site()
    {
        Prerequisite.RequireTool(GnuAarch64Assembler.AssemblerTool, GnuAarch64Assembler.AptPackage);
        Prerequisite.RequireTool(GnuAarch64Assembler.ObjcopyTool, GnuAarch64Assembler.AptPackage);
        var file = Arm64InitProgram.BuildExecutable();
        BinaryPrimitives.ReadUInt16LittleEndian(file.AsSpan(18)).ShouldBe(ElfExecutableWriter.MachineAarch64);
        Encoding.ASCII.GetString(file).ShouldContain(InitProgramLayout.Prefix("arm64"));
        (InitProgramLayout.LoadAddress + (ulong)file.Length).ShouldBeLessThan(InitProgramLayout.FileBuffer);
        // SVC #0 = 0xD4000001: mkdirat, mount, getpid, 2 writes, openat, ioctl, reboot, exit, and slurp's openat, read, close.
        var svcs = 0;
        for (var offset = ElfExecutableWriter.CodeOffset; offset + 4 <= file.Length; offset += 4)
            svcs += BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset)) == 0xD400_0001u ? 1 : 0;
        svcs.ShouldBe(12);
    }
}
