using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.X86;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86;

/// <summary>Port I/O at CPL 3 in 32-bit protected mode, decided by IOPL and the TSS I/O permission bitmap (SDM Vol. 1 §19.5).</summary>
[TestFixture]
public class IoPermissionTests
{
    private const ulong Handler = 0x18000, Stack0 = 0x70000, UserStack = 0x60000;
    private const ushort UserCode = 0x43, UserData = 0x4B;
    private const ulong MapBase = 0x68;

    /// <summary>A 32-bit TSS whose I/O map (ports 0–255, then the FFh terminator) denies ports 80h and EAh only.</summary>
    private static TestMachine Machine(int iopl)
    {
        var m = new TestMachine();
        m.EnterProtected32(TestMachine.CodeBase);
        // Ring-3 flat code and data (DPL 3) for the user CS/SS.
        m.Memory.WriteU64(TestMachine.GdtBase + (UserCode & ~3UL), 0x00CF_FB00_0000_FFFF);
        m.Memory.WriteU64(TestMachine.GdtBase + (UserData & ~3UL), 0x00CF_F300_0000_FFFF);
        m.Cpu.Gdtr = new DescriptorTableRegister(TestMachine.GdtBase, 0x4F);
        m.Memory.WriteU32(TestMachine.TssBase + 4, (uint)Stack0);            // ESP0
        m.Memory.WriteU16(TestMachine.TssBase + 8, TestMachine.Data);       // SS0
        m.Memory.WriteU16(TestMachine.TssBase + 0x66, (ushort)MapBase);     // I/O map base
        m.Memory.Write(TestMachine.TssBase + MapBase, new byte[33]);
        m.Memory.WriteU8(TestMachine.TssBase + MapBase + 0x80 / 8, 1);       // port 80h
        m.Memory.WriteU8(TestMachine.TssBase + MapBase + 0xEA / 8, 1 << 2);  // port EAh
        m.Memory.WriteU8(TestMachine.TssBase + MapBase + 32, 0xFF);
        m.Cpu.SetSegment(SegmentRegister.Tr, new Segment(TestMachine.Tss, TestMachine.TssBase, (uint)(MapBase + 32), 0x8B));
        m.SetGate32(ExceptionVector.GeneralProtection, (uint)Handler);
        m.Load(32, Handler, a =>
        {
            a.mov(esi, 0x0D);
            a.hlt();
        });
        m.Cpu.SetSegment(SegmentRegister.Cs, Segment.Flat(UserCode, 0xFB, 0xC));
        m.Cpu.SetSegment(SegmentRegister.Ss, Segment.Flat(UserData, 0xF3, 0xC));
        m.Cpu[Register.ESP] = UserStack;
        m.Cpu.Rflags = FlagBits.Fixed1 | ((ulong)iopl << 12);
        return m;
    }

    public static IEnumerable<TestCaseData> Cases()
    {
        yield return new TestCaseData(0, (ushort)0xE9, 1, true).SetName("byte port with its bit clear is allowed");
        yield return new TestCaseData(0, (ushort)0x80, 1, false).SetName("byte port with its bit set is #GP");
        yield return new TestCaseData(0, (ushort)0xE8, 2, true).SetName("word port E8h–E9h, both clear");
        yield return new TestCaseData(0, (ushort)0xE9, 2, false).SetName("word port E9h–EAh, EAh set");
        yield return new TestCaseData(0, (ushort)0xFE, 4, false).SetName("dword port FEh–101h reaches past the map: #GP");
        yield return new TestCaseData(0, (ushort)0x100, 1, false).SetName("port beyond the TSS limit is #GP");
        yield return new TestCaseData(3, (ushort)0x80, 1, true).SetName("IOPL 3: the bitmap is not consulted");
    }

    [TestCaseSource(nameof(Cases))]
    public void In_at_cpl_3(int iopl, ushort port, int size, bool allowed)
    {
        using var m = Machine(iopl);
        m.Load(32, TestMachine.CodeBase, a =>
        {
            a.mov(edx, port);
            switch (size)
            {
                case 1: a.@in(al, dx); break;
                case 2: a.@in(ax, dx); break;
                default: a.@in(eax, dx); break;
            }
            a.hlt(); // privileged: #GP at CPL 3, so both outcomes end in the handler
        });
        var inAddress = TestMachine.CodeBase + 5;
        var hltAddress = inAddress + (size == 2 ? 2UL : 1UL);

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu[Register.ESI].ShouldBe(0x0DUL, "the #GP handler ran");
        // 32-bit frame with a stack switch (SDM Vol. 3A Figure 6-4): error code, EIP, CS, EFLAGS, ESP, SS.
        m.Cpu[Register.ESP].ShouldBe(Stack0 - 24);
        m.Memory.ReadU32(Stack0 - 24).ShouldBe(0u, "error code");
        m.Memory.ReadU32(Stack0 - 20).ShouldBe((uint)(allowed ? hltAddress : inAddress), allowed ? "IN completed, HLT faulted" : "IN faulted");
    }

    [Test]
    public void Out_to_an_allowed_port_reaches_the_device()
    {
        using var m = Machine(0);
        m.Load(32, TestMachine.CodeBase, a =>
        {
            a.mov(al, (byte)'k');
            a.@out(0xE9, al);
            a.@out(0x80, al);
        });

        var r = m.Run();

        r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        m.Cpu.DebugConsole.Text.ShouldBe("k");
        m.Cpu[Register.ESI].ShouldBe(0x0DUL, "OUT 80h faulted");
    }

    [Test]
    public void Cli_at_cpl_3_ignores_the_bitmap()
    {
        // SDM Vol. 2 CLI: #GP(0) when CPL > IOPL (without VME/PVI); the I/O bitmap concerns ports only.
        using var m = Machine(0);
        m.Load(32, TestMachine.CodeBase, a => a.cli());

        m.Run().Reason.ShouldBe(StopReason.Halt);
        m.Cpu[Register.ESI].ShouldBe(0x0DUL);
    }
}
