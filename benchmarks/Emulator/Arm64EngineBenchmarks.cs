using BenchmarkDotNet.Attributes;
using LoaderHarness.Emulator.Arm64;
using LoaderHarness.Fixtures.Arm64;
using LoaderHarness.Loader.Memory;

namespace LoaderHarness.Benchmarks.Emulator;

/// <summary>
/// The arm64 engine's decode and execute speed: Capstone on words it has never seen, the engine's
/// decode of cold code (Capstone answers cached), and hot integer and load/store loops. Programs are assembled
/// by GNU as (binutils-aarch64-linux-gnu). Results are per instruction (OperationsPerInvoke).
/// </summary>
[MemoryDiagnoser]
public class Arm64EngineBenchmarks
{
    private const ulong RamBase = 0x4000_0000;
    private const ulong Code = 0x4008_0000;
    private const ulong Cold = 0x4020_0000;
    private const ulong Data = 0x4100_0000;
    private const int Iterations = 65_536;
    private const int ColdInstructions = 16_384;

    private GuestMemory _memory = null!;
    private Arm64Cpu _cpu = null!;
    private uint _nextWord;

    [GlobalSetup]
    public void Setup()
    {
        _memory = new GuestMemory([new GuestRegion(RamBase, 64UL << 20)]);
        _cpu = new Arm64Cpu(_memory);
        _memory.Write(Code, GnuAarch64Assembler.Assemble($"""
            int_loop:
                mov x0, #{Iterations}
            1:  add x1, x1, x0
                eor x2, x2, x1, lsl #3
                subs x0, x0, #1
                b.ne 1b
                wfi
            mem_loop:
                mov x0, #{Iterations}
                ldr x3, ={Data}
            2:  ldr x4, [x3, #8]
                add x4, x4, #1
                str x4, [x3, #8]
                subs x0, x0, #1
                b.ne 2b
                wfi
            """));
        // Straight-line code of distinct words (ADD immediates over x0-x15): every instruction a decode-cache miss.
        var cold = new byte[ColdInstructions * 4 + 4];
        for (var i = 0; i < ColdInstructions; i++)
            BitConverter.TryWriteBytes(cold.AsSpan(i * 4), 0x9100_0000u | ((uint)(i & 0xFFF) << 10) | ((uint)(i >> 12 & 15) * 0x21));
        BitConverter.TryWriteBytes(cold.AsSpan(ColdInstructions * 4), 0xD503_207Fu);
        _memory.Write(Cold, cold);
        foreach (var word in cold.Chunk(4))
            CapstoneA64.Describe(BitConverter.ToUInt32(word));
    }

    [GlobalCleanup]
    public void Cleanup() => _memory.Dispose();

    /// <summary>Capstone disassembling words it has not seen (what the first visit to each address costs).</summary>
    [Benchmark(OperationsPerInvoke = 1000)]
    public int CapstoneNewWords()
    {
        var n = 0;
        for (var i = 0; i < 1000; i++, _nextWord++)
        {
            // ADD/SUB (shifted register) with every sf/op/S, shift and register/amount field: ~50 M distinct words.
            uint shift = _nextWord % 3, top = (_nextWord / 3) & 7, fields = (_nextWord / 24) & 0x1F_FFFF;
            n += CapstoneA64.Describe(0x0B00_0000u | (top << 29) | (shift << 22) | fields) is null ? 0 : 1;
        }
        return n;
    }

    /// <summary>Cold straight-line code: engine decode and cache fill per instruction (Capstone answers cached).</summary>
    [Benchmark(OperationsPerInvoke = ColdInstructions)]
    public ulong ColdCode()
    {
        _cpu.InvalidateCodeCache();
        _cpu.Pc = Cold;
        return _cpu.Run(ColdInstructions + 1).Instructions;
    }

    /// <summary>A hot ALU loop: add, shifted eor, subs, b.ne.</summary>
    [Benchmark(OperationsPerInvoke = Iterations * 4)]
    public ulong IntegerLoop()
    {
        _cpu.Pc = Code;
        return _cpu.Run(ulong.MaxValue).Instructions;
    }

    /// <summary>A hot load/add/store loop through the TLB fast path.</summary>
    [Benchmark(OperationsPerInvoke = Iterations * 5)]
    public ulong LoadStoreLoop()
    {
        _cpu.Pc = Code + 6 * 4;
        return _cpu.Run(ulong.MaxValue).Instructions;
    }
}
