using NUnit.Framework;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Diagnosis aid: runs one generated program in Unicorn an instruction at a time, printing IP and registers.</summary>
[TestFixture]
[Explicit("diagnosis only")]
public class UnicornStepper
{
    [TestCase(32, 2)]
    public void Step(int bitness, int seed)
    {
        Unicorn.RequireOrIgnore();
        var (code, _, listing) = RandomProgram.Generate(new Random(seed), bitness, 0x1000, 24);
        TestContext.Out.WriteLine(listing);
        using var uc = new Unicorn(bitness);
        uc.Map(0, 0x10000);
        uc.Write(0x1000, code);
        var ids = bitness == 64 ? Unicorn.Gpr64 : Unicorn.Gpr32;
        uc.SetRegister(ids[4], 0x3800);
        uc.SetRegister(ids[5], 0x2000);
        var ip = 0x1000UL;
        var ipId = bitness == 64 ? 41 : 26;
        for (var n = 0; n < 100 && ip < 0x1000 + (ulong)code.Length; n++)
        {
            var err = uc.Step(ip, 0x1000 + (ulong)code.Length);
            ip = uc.GetRegister(ipId);
            TestContext.Out.WriteLine($"err {err} ip {ip:x} eax {uc.GetRegister(ids[0]):x} ecx {uc.GetRegister(ids[1]):x} edx {uc.GetRegister(ids[2]):x} esp {uc.GetRegister(ids[4]):x}");
        }
    }
}
