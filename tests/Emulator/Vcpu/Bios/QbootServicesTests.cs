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
/// The BIOS with qboot's answers (<see cref="PcFirmware.Qboot"/>, QEMU <c>-M microvm</c>'s firmware) as a real-mode caller
/// sees them. Expected values cite qboot's sources (github.com/bonzini/qboot: main.c setup_idt, entry.S bios_intfake,
/// bios_int10, bios_int15; code16.c int10_handler, int15_handler, e820_query_map); QemuBootParamsTests checks what Linux's
/// setup code makes of them against QEMU itself.
/// </summary>
[TestFixture]
public sealed class QbootServicesTests
{
    private const ulong Cf = 1;

    /// <summary>qboot's first four entries and 512 MiB from 1 MiB (QemuMicrovmMemoryMap).</summary>
    private static readonly MemoryMapEntry[] Map512 =
    [
        new(0, 0x9_FC00, MemoryType.Ram),
        new(0x9_FC00, 0x400, MemoryType.Reserved),
        new(0xD_0000, 0x2_0000, MemoryType.Nvs),
        new(0xF_0000, 0x1_0000, MemoryType.Reserved),
        new(0x10_0000, 0x1FF0_0000, MemoryType.Ram),
    ];

    private sealed class Machine : IDisposable
    {
        public readonly TestMachine M = new();
        public readonly PcBios Bios;

        public Machine() => Bios = PcBios.Install(M.Cpu, Map512, firmware: PcFirmware.Qboot);

        public X86Cpu Cpu => M.Cpu;

        /// <summary>Runs <paramref name="body"/> at 1000:0000 up to its HLT.</summary>
        public RunResult Run(Action<Assembler> body)
        {
            M.Load(16, 0x1_0000, a =>
            {
                body(a);
                a.hlt();
            });
            Cpu.InvalidateCodeCache();
            M.EnterReal(0x1000, 0);
            return M.Run();
        }

        /// <summary>Sets the registers and CF (<paramref name="carry"/>), INT <paramref name="vector"/>, HLT.</summary>
        public void Call(byte vector, bool carry, Action<Assembler> registers)
        {
            var r = Run(a =>
            {
                registers(a);
                if (carry)
                    a.stc();
                else
                    a.clc();
                a.@int(vector);
            });
            r.Reason.ShouldBe(StopReason.Halt, r.ToString());
        }

        public ulong this[Register r] => Cpu[r];

        public void Dispose() => M.Dispose();
    }

    [Test]
    public void No_bios_data_area_is_written()
    {
        using var m = new Machine();
        // qboot never writes 40:00-40:FF (no EBDA pointer at 40:0E, no memory size at 40:13): the kernel reads zeros.
        m.M.Memory.ReadBytes(0x400, 0x100).ShouldAllBe(b => b == 0);
        m.Bios.Firmware.ShouldBe(PcFirmware.Qboot);
    }

    [Test]
    public void E820_hands_out_the_map_without_checking_the_signature_or_the_buffer_size()
    {
        using var m = new Machine();
        var continuations = new List<uint>();
        uint continuation = 0;
        do
        {
            var next = continuation;
            // code16.c e820_query_map reads only EBX and EDI.
            m.Call(0x15, carry: true, a =>
            {
                a.mov(eax, 0xE820);
                a.xor(edx, edx);
                a.xor(ecx, ecx);
                a.mov(ebx, next);
                a.mov(di, 0x8000);
            });
            (m.Cpu.Rflags & Cf).ShouldBe(0UL); // bios_int15 clears CF before the handler
            m[Register.EAX].ShouldBe(0x534D_4150UL);
            m[Register.ECX].ShouldBe(20UL);
            continuation = (uint)m[Register.EBX];
            continuations.Add(continuation);
        }
        while (continuation != 0 && continuations.Count < 10);

        continuations.ShouldBe([1U, 2U, 3U, 4U, 0U]);
        m.Bios.E820Returned.ShouldBe(Map512);
        var last = new byte[20];
        Map512[^1].WriteE820(last);
        m.M.Memory.ReadBytes(0x1_8000, 20).ShouldBe(last);
    }

    [TestCase(0xE801, TestName = "E801h returns with CF set and AX, BX, CX, DX untouched")]
    [TestCase(0x8800, TestName = "88h returns with CF set and AX = 8800h untouched")]
    [TestCase(0xE980, TestName = "E980h (IST) returns with CF set and EAX untouched")]
    [TestCase(0x2401, TestName = "2401h (A20) returns with CF set")]
    public void Int_15h_answers_only_e820_and_sets_cf_for_the_rest(int function)
    {
        using var m = new Machine();
        m.Call(0x15, carry: false, a =>
        {
            a.mov(eax, (uint)function);
            a.mov(ebx, 0x1111);
            a.mov(ecx, 0x2222);
            a.mov(edx, 0x3333);
        });
        // code16.c int15_handler default: regs->eflags |= X86_EFLAGS_CF. Linux's memory.c then keeps AX = 8800h from 88h
        // as ext_mem_k and stores nothing from E801h.
        (m.Cpu.Rflags & Cf).ShouldBe(Cf);
        m[Register.EAX].ShouldBe((ulong)function);
        (m[Register.EBX], m[Register.ECX], m[Register.EDX]).ShouldBe((0x1111UL, 0x2222UL, 0x3333UL));
    }

    [Test]
    public void Int_10h_prints_teletype_output_fails_vbe_and_leaves_the_rest_untouched()
    {
        using var m = new Machine();
        m.Call(0x10, carry: true, a => a.mov(ax, 0x0E41));
        m.Bios.Teletype.ShouldBe("A");
        // int10_handler: the character goes to the serial port, not the text buffer.
        m.M.Memory.ReadU16(0xB_8000).ShouldBe((ushort)0);
        (m.Cpu.Rflags & Cf).ShouldBe(0UL);

        m.Call(0x10, carry: false, a => a.mov(ax, 0x4F00));
        m[Register.AX].ShouldBe(0x014FUL); // VBE_STATUS_FAIL

        m.Call(0x10, carry: true, a =>
        {
            a.mov(ax, 0x0F00);
            a.mov(bx, 0x1234);
        });
        // Get video mode: nothing answered, CF cleared by bios_int10.
        (m[Register.AX], m[Register.BX]).ShouldBe((0x0F00UL, 0x1234UL));
        (m.Cpu.Rflags & Cf).ShouldBe(0UL);
    }

    [TestCase((byte)0x13, 0x4100, TestName = "INT 13h returns with CF set and AX untouched (bios_intfake)")]
    [TestCase((byte)0x16, 0x0200, TestName = "INT 16h returns with CF set and AX untouched (bios_intfake)")]
    [TestCase((byte)0x16, 0x0000, TestName = "INT 16h reading a key returns at once with CF set (bios_intfake)")]
    [TestCase((byte)0x12, 0x0000, TestName = "INT 12h returns with CF set and AX untouched (bios_intfake)")]
    public void The_other_services_linux_calls_return_with_cf_set(byte vector, int ax)
    {
        using var m = new Machine();
        m.Call(vector, carry: false, a => a.mov(AssemblerRegisters.ax, (ushort)ax));
        (m.Cpu.Rflags & Cf).ShouldBe(Cf);
        m[Register.AX].ShouldBe((ulong)ax);
    }

    [Test]
    public void A_vector_linux_never_calls_still_stops_naming_the_interrupt()
    {
        using var m = new Machine();
        var r = m.Run(a =>
        {
            a.mov(ax, 0x00E3);
            a.@int(0x14);
        });
        r.Reason.ShouldBe(StopReason.UnansweredFirmwareCall);
        r.Detail.ShouldNotBeNull().ShouldStartWith("INT 14h AX=00E3h");
    }
}
