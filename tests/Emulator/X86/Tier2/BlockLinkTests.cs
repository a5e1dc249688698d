using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.X86.Tier2.HostCode;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2;

/// <summary>
/// The chain's links from a compiled block to the blocks that followed it: entered again through the link, and
/// never once the successor's code was patched, a breakpoint was set on it or it was evicted; each against the
/// interpreter. Once for the IL tier's links, which the CPU's chain follows, and once for host code's link cells,
/// through which host code jumps on its own (<see cref="LoaderHarness.Emulator.X86.Tier2.HostCode.HostChain"/>).
/// </summary>
[TestFixture(false)]
[TestFixture(true)]
public class BlockLinkTests(bool hostCode)
{
    private const ulong F = TestMachine.CodeBase + 0x1000;
    private const ulong G = TestMachine.CodeBase + 0x2000;

    [SetUp]
    public void OnlyWhereHostCodeRuns()
    {
        if (hostCode && !ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
    }

    /// <summary>
    /// A loop calling F and G, so that the loop, F, G and the two return sites are blocks of their own that only the
    /// chain joins; at RCX = 300 the loop patches the immediate of G's first instruction (G is on a page of its own, so
    /// the loop's and F's code stay valid). The IL tier's loop calls through registers; host code's calls directly
    /// (the loop's block takes F's code in, and leaves to G and back through link cells).
    /// </summary>
    private TierPair Load(int capacity = 8192)
    {
        var pair = new TierPair(capacity: capacity);
        pair.Tiered.Cpu.HostCodeTier = hostCode;
        pair.Both(m =>
        {
            m.Load(64, TestMachine.CodeBase, a =>
            {
                var top = a.CreateLabel();
                var skip = a.CreateLabel();
                a.mov(ecx, 600);
                a.mov(r11, F);
                a.mov(r12, G);
                a.Label(ref top);
                if (hostCode)
                {
                    a.call(F);
                    a.call(G);
                }
                else
                {
                    a.call(r11);
                    a.call(r12);
                }
                a.cmp(ecx, 300);
                a.jne(skip);
                a.mov(__byte_ptr[r12 + 3], 7); // ADD RDX, imm8 is 48 83 C2 ib: the immediate is byte 3
                a.Label(ref skip);
                a.dec(ecx);
                a.jnz(top);
                a.hlt();
            });
            m.Load(64, F, a =>
            {
                a.add(rax, rcx);
                a.ret();
            });
            var g = m.Load(64, G, a =>
            {
                a.add(rdx, 1);
                a.add(rdx, rax);
                a.ret();
            });
            g[..4].ShouldBe(new byte[] { 0x48, 0x83, 0xC2, 0x01 });
            m.EnterLong64(TestMachine.CodeBase);
        });
        return pair;
    }

    [Test]
    public void Linked_blocks_stop_at_every_budget_where_the_interpreter_stops()
    {
        using var pair = Load();
        pair.RunInChunksToHalt(longSlice: true);
        pair.Tiered.Cpu.Tiering.Chained.ShouldBeGreaterThan(300);
        if (hostCode)
            pair.Tiered.Cpu.Tiering.Linked.ShouldBeGreaterThan(300);
    }

    [Test]
    public void A_successor_whose_code_was_patched_is_not_entered_through_its_link()
    {
        using var pair = Load();
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        // RDX: G added 1 on its calls with RCX = 600 down to 300 and 7 on the 299 after the patch (EDX starts at the
        // reset signature 0x600), plus RAX each time: RAX after the call with RCX = k is the sum of 600 down to k.
        var expected = 0x600UL + 301 * 1 + 299 * 7;
        for (ulong k = 600, rax = 0; k >= 1; k--)
        {
            rax += k;
            expected += rax;
        }
        pair.Tiered.Cpu[Register.RDX].ShouldBe(expected);
        pair.Tiered.Cpu.Tiering.Chained.ShouldBeGreaterThan(500);
        if (hostCode)
            pair.Tiered.Cpu.Tiering.Linked.ShouldBeGreaterThan(500);
    }

    [Test]
    public void A_breakpoint_set_on_a_linked_successor_stops_there()
    {
        using var pair = Load();
        pair.Run(3_000).Reason.ShouldBe(StopReason.Budget);
        pair.Tiered.Cpu.Tiering.Chained.ShouldBeGreaterThan(100);
        if (hostCode)
            pair.Tiered.Cpu.Tiering.Linked.ShouldBeGreaterThan(100);
        pair.Both(m => m.Cpu.AddBreakpoint(hostCode ? G : F));
        for (var i = 0; i < 3; i++)
        {
            pair.Run(1_000_000, $"stop {i}").Reason.ShouldBe(StopReason.Breakpoint);
            pair.Tiered.Cpu.Rip.ShouldBe(hostCode ? G : F);
        }
        pair.Both(m => m.Cpu.RemoveBreakpoint(hostCode ? G : F));
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
    }

    [Test]
    public void Evicted_successors_are_not_entered_through_their_links()
    {
        // Two blocks held at most, five in the loop: every new block evicts one that others link to.
        using var pair = Load(capacity: 2);
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        var stats = pair.Tiered.Cpu.Tiering;
        stats.Evicted.ShouldBeGreaterThan(0);
        stats.Resident.ShouldBeLessThanOrEqualTo(2);
    }
}
