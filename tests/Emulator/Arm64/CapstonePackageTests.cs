using Gee.External.Capstone;
using Gee.External.Capstone.Arm64;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Arm64;

/// <summary>
/// The Gee.External.Capstone package carries its own native capstone library (runtimes/linux-x64/native/
/// libcapstone.so, Capstone 4): these tests fail if the runtime cannot load it on this platform.
/// </summary>
[TestFixture]
public class CapstonePackageTests
{
    // Encodings from the Arm ARM (DDI 0487) A64 instruction descriptions: MOVZ, NOP, MRS CurrentEL, HVC #0.
    [TestCase(0xD2800020u, "movz", "x0, #0x1")]
    [TestCase(0xD503201Fu, "nop", "")]
    [TestCase(0xD5384240u, "mrs", "x0, currentel")]
    [TestCase(0xD4000002u, "hvc", "#0")]
    public void Native_library_loads_and_decodes_a64(uint word, string mnemonic, string operands)
    {
        using var disassembler = CapstoneDisassembler.CreateArm64Disassembler(Arm64DisassembleMode.Arm);
        var instructions = disassembler.Disassemble(BitConverter.GetBytes(word), 0x8020_0000);

        instructions.Length.ShouldBe(1);
        instructions[0].Mnemonic.ShouldBe(mnemonic);
        instructions[0].Operand.ShouldBe(operands);
    }
}
