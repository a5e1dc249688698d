using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Vcpu.Bios;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Loader.Boot.MemoryMap;
using LoaderHarness.Tests.Emulator.X86;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.Vcpu.Bios;

/// <summary>
/// Each BIOS service as a real-mode caller sees it: registers set, <c>INT n</c>, then registers and FLAGS after
/// the stub's IRET. Expected values cite Ralf Brown's Interrupt List (RBIL) and SeaBIOS, whose answers the
/// setup code in arch/x86/boot relies on.
/// </summary>
[TestFixture]
public sealed class PcBiosTests
{
    private const ulong Cf = 1, Zf = 1 << 6;

    /// <summary>A 512 MiB PC: conventional RAM to the EBDA at 0x9FC00, the BIOS area reserved, RAM from 1 MiB.</summary>
    private static readonly MemoryMapEntry[] Map512 =
    [
        new(0, 0x9_FC00, MemoryType.Ram),
        new(0x9_FC00, 0x6_0400, MemoryType.Reserved),
        new(0x10_0000, 0x1FF0_0000, MemoryType.Ram),
    ];

    private sealed class Machine : IDisposable
    {
        public readonly TestMachine M = new();
        public readonly PcBios Bios;

        public Machine(IReadOnlyList<MemoryMapEntry>? map = null) => Bios = PcBios.Install(M.Cpu, map ?? Map512);

        public X86Cpu Cpu => M.Cpu;

        /// <summary>Runs <paramref name="body"/> at 1000:0000 (SS:SP 1000:FFF0) up to its HLT.</summary>
        public RunResult Run(Action<Assembler> body)
        {
            M.Load(16, 0x1_0000, a =>
            {
                body(a);
                a.hlt();
            });
            Cpu.InvalidateCodeCache(); // the program was rewritten behind the CPU's back
            M.EnterReal(0x1000, 0);
            return M.Run();
        }

        /// <summary>Sets the registers, INT <paramref name="vector"/>, HLT; fails unless the run ended at the HLT.</summary>
        public void Call(byte vector, Action<Assembler> registers)
        {
            var r = Run(a =>
            {
                registers(a);
                a.@int(vector);
            });
            r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        }

        public ulong this[Register r] => Cpu[r];

        public void Dispose() => M.Dispose();
    }

    [Test]
    public void Every_vector_points_at_its_own_iret_stub_in_the_rom_segment()
    {
        using var m = new Machine();
        for (var v = 0UL; v < 256; v++)
        {
            // IVT entry: offset then segment (SDM Vol. 3A §20.1.4).
            m.M.Memory.ReadU16(v * 4 + 2).ShouldBe((ushort)0xF000);
            var stub = 0xF_0000UL + m.M.Memory.ReadU16(v * 4);
            stub.ShouldBe(PcBios.StubBase + v);
            m.M.Memory.ReadU8(stub).ShouldBe((byte)0xCF); // IRET
        }
    }

    [Test]
    public void The_bios_data_area_holds_the_ebda_com1_and_mode_3_as_seabios_leaves_them()
    {
        using var m = new Machine();
        var memory = m.M.Memory;
        memory.ReadU16(0x400).ShouldBe((ushort)0x3F8); // 40:00 COM1
        memory.ReadU16(0x40E).ShouldBe((ushort)0x9FC0); // 40:0E EBDA segment
        memory.ReadU16(0x413).ShouldBe((ushort)639); // 40:13 KiB below the EBDA
        memory.ReadU8(0x9_FC00).ShouldBe((byte)1); // EBDA size in KiB
        memory.ReadU8(0x449).ShouldBe((byte)3); // 40:49 video mode
        memory.ReadU16(0x44A).ShouldBe((ushort)80); // 40:4A columns
        memory.ReadU8(0x484).ShouldBe((byte)24); // 40:84 rows - 1
        memory.ReadU16(0x485).ShouldBe((ushort)16); // 40:85 font height
    }

    [Test]
    public void Int_12h_returns_the_conventional_memory_below_the_ebda()
    {
        using var m = new Machine();
        m.Call(0x12, a => a.xor(ax, ax));
        m[Register.AX].ShouldBe(639UL); // RBIL INT 12h: AX = KiB (40:13)
    }

    [Test]
    public void E820_hands_out_the_map_one_entry_per_call_with_its_continuation()
    {
        using var m = new Machine();
        var returned = new List<(uint Ebx, uint Eax, uint Ecx, byte[] Entry)>();
        uint continuation = 0;
        do
        {
            var next = continuation;
            m.Call(0x15, a =>
            {
                a.mov(eax, 0xE820);
                a.mov(edx, 0x534D_4150);
                a.mov(ecx, 24);
                a.mov(ebx, next);
                a.mov(di, 0x8000);
            });
            (m.Cpu.Rflags & Cf).ShouldBe(0UL);
            continuation = (uint)m[Register.EBX];
            returned.Add((continuation, (uint)m[Register.EAX], (uint)m[Register.ECX], m.M.Memory.ReadBytes(0x1_8000, 20)));
        }
        while (continuation != 0 && returned.Count < 10);

        // RBIL INT 15h AX=E820h: EAX = 'SMAP', ECX = bytes returned (20), EBX = next or 0 after the last.
        returned.Select(r => r.Ebx).ShouldBe([1U, 2U, 0U]);
        returned.ShouldAllBe(r => r.Eax == 0x534D_4150 && r.Ecx == 20);
        for (var i = 0; i < Map512.Length; i++)
        {
            var expected = new byte[20];
            Map512[i].WriteE820(expected);
            returned[i].Entry.ShouldBe(expected);
        }
        m.Bios.E820Returned.ShouldBe(Map512);
    }

    [TestCase(0x1234_5678u, 0u, 20u, TestName = "E820 without the SMAP signature fails with CF set, AH = 86h")]
    [TestCase(0x534D_4150u, 3u, 20u, TestName = "E820 past the last entry fails with CF set, AH = 86h")]
    [TestCase(0x534D_4150u, 0u, 16u, TestName = "E820 with a buffer under 20 bytes fails with CF set, AH = 86h")]
    public void E820_refuses_bad_requests(uint signature, uint continuation, uint size)
    {
        using var m = new Machine();
        m.Call(0x15, a =>
        {
            a.mov(eax, 0xE820);
            a.mov(edx, signature);
            a.mov(ecx, size);
            a.mov(ebx, continuation);
        });
        // SeaBIOS src/system.c handle_15e820: set_code_invalid(regs, RET_EUNSUPPORTED).
        (m.Cpu.Rflags & Cf).ShouldBe(Cf);
        m[Register.AH].ShouldBe(0x86UL);
        m.Bios.E820Returned.ShouldBeEmpty();
    }

    [Test]
    public void E801_reports_15_MiB_below_16_MiB_and_64_KiB_blocks_above()
    {
        using var m = new Machine();
        m.Call(0x15, a => a.mov(ax, 0xE801));
        (m.Cpu.Rflags & Cf).ShouldBe(0UL);
        // RBIL INT 15h AX=E801h; SeaBIOS handle_15e801: 512 MiB → CX = AX = 15 × 1024, DX = BX = (512 - 16) MiB / 64 KiB.
        m[Register.AX].ShouldBe(15UL * 1024);
        m[Register.CX].ShouldBe(15UL * 1024);
        m[Register.BX].ShouldBe(496UL * 16);
        m[Register.DX].ShouldBe(496UL * 16);
    }

    [Test]
    public void Function_88h_caps_extended_memory_at_63_MiB()
    {
        using var m = new Machine();
        m.Call(0x15, a => a.mov(ax, 0x8800));
        // SeaBIOS handle_1588: "real machines mostly return max. 63M".
        m[Register.AX].ShouldBe(63UL * 1024);
        (m.Cpu.Rflags & Cf).ShouldBe(0UL);
    }

    [Test]
    public void The_a20_gate_is_on_at_boot_and_follows_2400h_and_2401h()
    {
        using var m = new Machine();
        m.Call(0x15, a => a.mov(ax, 0x2402));
        m[Register.AL].ShouldBe(1UL); // RBIL INT 15h AX=2402h: AL = 01h enabled
        m.Call(0x15, a => a.mov(ax, 0x2400));
        m[Register.AH].ShouldBe(0UL);
        m.Bios.A20.ShouldBeFalse();
        m.Call(0x15, a => a.mov(ax, 0x2402));
        m[Register.AL].ShouldBe(0UL);
        m.Call(0x15, a => a.mov(ax, 0x2401));
        m.Bios.A20.ShouldBeTrue();
        m.Call(0x15, a => a.mov(ax, 0x2403));
        m[Register.BX].ShouldBe(3UL); // keyboard controller and port 92h
        (m.Cpu.Rflags & Cf).ShouldBe(0UL);
    }

    [TestCase(0xEC00, TestName = "EC00h (tell the BIOS the target mode) is unsupported: CF set, AH = 86h")]
    [TestCase(0xE980, TestName = "E980h (Intel SpeedStep) is unsupported: CF set, AH = 86h")]
    [TestCase(0x5300, TestName = "5300h (APM installation check) is unsupported: CF set, AH = 86h")]
    [TestCase(0xC000, TestName = "C0h (system configuration) is unsupported: CF set, AH = 86h")]
    public void Probes_of_absent_features_are_refused_as_unsupported(int function)
    {
        using var m = new Machine();
        m.Call(0x15, a => a.mov(ax, (ushort)function));
        // SeaBIOS handle_15 default: set_unimplemented (AH = 86h, CF set).
        (m.Cpu.Rflags & Cf).ShouldBe(Cf);
        m[Register.AH].ShouldBe(0x86UL);
    }

    [TestCase(0x4100, 0x80, TestName = "INT 13h AH=41h on drive 80h: no extensions, no drive")]
    [TestCase(0x0201, 0x80, TestName = "INT 13h AX=0201h (read the MBR) on drive 80h: no drive")]
    [TestCase(0x0800, 0x00, TestName = "INT 13h AH=08h on floppy 0: no drive")]
    public void Every_disk_call_fails_as_on_a_machine_without_disks(int function, int drive)
    {
        using var m = new Machine();
        m.Call(0x13, a =>
        {
            a.mov(ax, (ushort)function);
            a.mov(bx, 0x55AA);
            a.mov(dl, (byte)drive);
        });
        // SeaBIOS src/disk.c handle_legacy_disk: no drive → disk_ret(DISK_RET_EPARAM): AH = 01h, CF set, status in the BDA.
        (m.Cpu.Rflags & Cf).ShouldBe(Cf);
        m[Register.AH].ShouldBe(1UL);
        m.M.Memory.ReadU8(drive >= 0x80 ? 0x474UL : 0x441UL).ShouldBe((byte)1);
    }

    [Test]
    public void No_key_is_ever_waiting_and_the_shift_flags_are_clear()
    {
        using var m = new Machine();
        m.Call(0x16, a => a.mov(ah, 0x01));
        (m.Cpu.Rflags & Zf).ShouldBe(Zf); // RBIL INT 16h AH=01h: ZF set if no keystroke available
        m.Call(0x16, a => a.mov(ax, 0x02FF));
        m[Register.AL].ShouldBe(0UL); // AH=02h: AL = shift flags (40:17)
        m.Call(0x16, a => a.mov(ax, 0x0305)); // set typematic rate: answered, nothing returned
    }

    [Test]
    public void Reading_a_key_ends_the_run_instead_of_waiting_for_ever()
    {
        using var m = new Machine();
        var r = m.Run(a =>
        {
            a.mov(ax, 0);
            a.@int(0x16);
        });
        r.Reason.ShouldBe(StopReason.UnansweredFirmwareCall);
        r.Detail.ShouldNotBeNull().ShouldStartWith("INT 16h AX=0000h");
        m.Bios.Calls.ShouldBe([new BiosCall(0x16, 0, Answered: false)]);
    }

    [Test]
    public void Video_reports_text_mode_3_on_a_colour_vga_without_vbe()
    {
        using var m = new Machine();
        m.Call(0x10, a => a.mov(ah, 0x0F));
        m[Register.AL].ShouldBe(3UL); // RBIL INT 10h AH=0Fh: AL mode, AH columns, BH page
        m[Register.AH].ShouldBe(80UL);
        m[Register.BH].ShouldBe(0UL);
        m.Call(0x10, a =>
        {
            a.mov(ax, 0x1200);
            a.mov(bl, 0x10);
        });
        m[Register.BX].ShouldBe(0x0003UL); // AH=12h BL=10h: BH 0 colour, BL 3 = 256 KiB (SeaBIOS handle_101210)
        m.Call(0x10, a => a.mov(ax, 0x1A00));
        m[Register.AL].ShouldBe(0x1AUL); // AX=1A00h supported: AL = 1Ah, BL = 08h VGA colour
        m[Register.BL].ShouldBe(0x08UL);
        m.Call(0x10, a => a.mov(ax, 0x4F00));
        m[Register.AX].ShouldBe(0x4F00UL); // no VBE: AL is not 4Fh (video-vesa.c vesa_probe gives up)
        m.Call(0x10, a => a.mov(ax, 0x0003));
        m[Register.AL].ShouldBe(0x30UL); // AH=00h mode 3: AL = 30h (RBIL, SeaBIOS handle_1000)
    }

    [Test]
    public void Teletype_output_is_captured_and_moves_the_cursor()
    {
        using var m = new Machine();
        foreach (var ch in "ok\r\n!")
            m.Call(0x10, a =>
            {
                a.mov(ah, 0x0E);
                a.mov(al, (byte)ch);
                a.mov(bx, 0x0007);
            });
        m.Bios.Teletype.ShouldBe("ok\n!");
        m.Call(0x10, a =>
        {
            a.mov(ah, 0x03);
            a.mov(bh, 0);
        });
        m[Register.DX].ShouldBe(0x0101UL); // RBIL AH=03h: DH row 1, DL column 1
        m[Register.CX].ShouldBe(0x0607UL); // cursor shape
        m.M.Memory.ReadU16(0xB_8000).ShouldBe((ushort)0x076F); // 'o' light grey on black in the text buffer
    }

    [Test]
    public void The_clock_reads_the_virtual_time_in_bcd()
    {
        using var m = new Machine();
        m.Call(0x1A, a => a.mov(ah, 0x04));
        // RBIL INT 1Ah AH=04h: CH century, CL year, DH month, DL day (BCD); the RTC's start 2025-01-01.
        m[Register.CX].ShouldBe(0x2025UL);
        m[Register.DX].ShouldBe(0x0101UL);
        m.Call(0x1A, a => a.mov(ah, 0x02));
        m[Register.CX].ShouldBe(0UL); // 00:00 a few instructions after virtual time 0
        (m.Cpu.Rflags & Cf).ShouldBe(0UL);
        m.Call(0x1A, a => a.mov(ah, 0x00));
        m[Register.CX].ShouldBe(0UL); // ticks since midnight: none yet
    }

    [Test]
    public void An_unanswered_interrupt_stops_at_the_stub_naming_the_interrupt_and_ax()
    {
        using var m = new Machine();
        var r = m.Run(a =>
        {
            a.mov(ax, 0x00E3);
            a.@int(0x14);
        });
        r.Reason.ShouldBe(StopReason.UnansweredFirmwareCall);
        r.Detail.ShouldNotBeNull().ShouldStartWith("INT 14h AX=00E3h at 1000:0005");
        (m.Cpu.GetSegment(SegmentRegister.Cs).Base + m.Cpu.Rip).ShouldBe(PcBios.StubBase + 0x14);
        // Running again asks again: the stop is not stepped over.
        m.M.Run().Reason.ShouldBe(StopReason.UnansweredFirmwareCall);
    }
}
