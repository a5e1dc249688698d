using System.Reflection.Emit;
using System.Runtime;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.Tiering;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Core.Tiering;

/// <summary>
/// The background compiler on its own: requests are built on its worker thread, the JIT compiles the block's dynamic
/// method there (its first call on the caller's thread compiles nothing), a failing build gives back a null block and
/// the worker goes on, the number in flight is bounded, and the worker ends when there is nothing to do.
/// </summary>
[TestFixture]
public class BackgroundCompilerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Test]
    public void A_request_is_built_and_jit_compiled_on_the_worker_thread()
    {
        var compiler = new BackgroundCompiler<FakeBlock>();
        var page = new CodePage<int>();
        var caller = Environment.CurrentManagedThreadId;
        var builtOn = 0;
        compiler.Submit(new(() =>
        {
            builtOn = Environment.CurrentManagedThreadId;
            return new FakeBlock(MakeBody(200));
        }, page, 1, 0));

        var request = Take(compiler);

        builtOn.ShouldNotBe(caller);
        request.Block.ShouldNotBeNull();
        var jitted = JitInfo.GetCompiledMethodCount(currentThread: true);
        request.Block.Body();
        JitInfo.GetCompiledMethodCount(currentThread: true).ShouldBe(jitted, "the first call found the method compiled");
        request.Block.Holder.Value.ShouldBe(200);
        compiler.InFlight.ShouldBe(0);
    }

    [Test]
    public void A_build_that_throws_gives_back_no_block_and_the_worker_goes_on()
    {
        var compiler = new BackgroundCompiler<FakeBlock>();
        var page = new CodePage<int>();
        compiler.Submit(new(() => throw new InvalidProgramException("the JIT refused it"), page, 1, 0));
        Take(compiler).Block.ShouldBeNull();

        compiler.Submit(new(() => new FakeBlock(MakeBody(3)), page, 2, 0));
        var next = Take(compiler);

        next.Slot.ShouldBe(2);
        next.Block.ShouldNotBeNull();
    }

    [Test]
    public void The_newest_waiting_request_is_built_first()
    {
        using var gate = new ManualResetEventSlim(false);
        var page = new CodePage<int>();
        var built = new List<int>();
        var compiler = HoldingSlot1(page, gate, built);
        compiler.Submit(Recorded(page, 2, built));
        compiler.Submit(Recorded(page, 3, built));

        gate.Set();
        for (var i = 0; i < 3; i++)
            Take(compiler);

        built.ShouldBe([1, 3, 2], "slot 1 was being built; of the two waiting, the later one went first");
    }

    [Test]
    public void A_waiting_request_asked_for_again_is_built_next()
    {
        using var gate = new ManualResetEventSlim(false);
        var page = new CodePage<int>();
        var built = new List<int>();
        var compiler = HoldingSlot1(page, gate, built);
        var cache = new CompiledBlockCache<FakeBlock>();
        compiler.Submit(Recorded(page, 2, built));
        compiler.Submit(Recorded(page, 3, built));
        compiler.Submit(Recorded(page, 4, built));

        compiler.Admit(page, 2, cache, retired: 1_000_000, budget: 0, blockLimit: 100).ShouldBe(CompileAdmission.Later);
        compiler.Admit(page, 1, cache, retired: 1_000_000, budget: 0, blockLimit: 100).ShouldBe(CompileAdmission.Later);
        gate.Set();
        for (var i = 0; i < 4; i++)
            Take(compiler);

        built.ShouldBe([1, 2, 4, 3], "slot 2, asked for again while it waited, went before the newer 4 and 3; slot 1 was being built");
    }

    /// <summary>A compiler whose worker has taken slot 1's request (recorded in <paramref name="built"/>) and waits at <paramref name="gate"/> before building it.</summary>
    private static BackgroundCompiler<FakeBlock> HoldingSlot1(CodePage<int> page, ManualResetEventSlim gate, List<int> built)
    {
        var compiler = new BackgroundCompiler<FakeBlock>();
        using var atGate = new ManualResetEventSlim(false);
        var builds = 0;
        compiler.BeforeBuild = () =>
        {
            if (Interlocked.Increment(ref builds) == 1)
                atGate.Set(); // slot 1 only: atGate is disposed once HoldingSlot1 returns
            gate.Wait(Patience);
        };
        compiler.Submit(Recorded(page, 1, built));
        atGate.Wait(Patience).ShouldBeTrue("the worker took slot 1 and waits at the gate");
        return compiler;
    }

    /// <summary>A request for <paramref name="slot"/> whose build records the slot in <paramref name="built"/>.</summary>
    private static BackgroundCompiler<FakeBlock>.Request Recorded(CodePage<int> page, int slot, List<int> built) => new(() =>
    {
        lock (built)
            built.Add(slot);
        return new FakeBlock(MakeBody(1));
    }, page, slot, 0);

    [Test]
    public void At_most_its_limit_of_requests_is_in_flight_and_an_entry_is_asked_for_once()
    {
        var compiler = new BackgroundCompiler<FakeBlock>(limit: 2);
        using var gate = new ManualResetEventSlim(false);
        compiler.BeforeBuild = () => gate.Wait(Patience);
        var page = new CodePage<int>();
        compiler.Submit(new(() => new FakeBlock(MakeBody(1)), page, 1, 0));
        compiler.IsInFlight(page, 1).ShouldBeTrue();
        compiler.IsInFlight(page, 2).ShouldBeFalse();
        compiler.HasRoom.ShouldBeTrue();
        compiler.Submit(new(() => new FakeBlock(MakeBody(1)), page, 2, 0));
        compiler.HasRoom.ShouldBeFalse();

        gate.Set();
        Take(compiler);
        Take(compiler);

        compiler.HasRoom.ShouldBeTrue();
        compiler.IsInFlight(page, 1).ShouldBeFalse();
    }

    [Test]
    public void Admission_waits_for_an_entry_in_flight_or_a_full_queue_and_charges_the_budget_for_every_request_in_flight()
    {
        var compiler = new BackgroundCompiler<FakeBlock>(limit: 2);
        using var gate = new ManualResetEventSlim(false);
        compiler.BeforeBuild = () => gate.Wait(Patience);
        var cache = new CompiledBlockCache<FakeBlock>();
        var page = new CodePage<int>();
        // TierPolicy.MayCompile: (compiled + blockLimit) * budget <= retired; with nothing compiled, budget 10 and blocks
        // of at most 100 instructions, one request needs 1,000 retired instructions and two in flight 2,000.
        compiler.Admit(page, 1, cache, retired: 999, budget: 10, blockLimit: 100).ShouldBe(CompileAdmission.Refused);
        compiler.Admit(page, 1, cache, retired: 1_000, budget: 10, blockLimit: 100).ShouldBe(CompileAdmission.Admitted);
        compiler.Submit(new(() => new FakeBlock(MakeBody(1)), page, 1, 0));

        compiler.Admit(page, 1, cache, retired: 1_000_000, budget: 10, blockLimit: 100).ShouldBe(CompileAdmission.Later);
        compiler.Admit(page, 2, cache, retired: 1_999, budget: 10, blockLimit: 100).ShouldBe(CompileAdmission.Refused);
        compiler.Admit(page, 2, cache, retired: 2_000, budget: 10, blockLimit: 100).ShouldBe(CompileAdmission.Admitted);
        compiler.Submit(new(() => new FakeBlock(MakeBody(1)), page, 2, 0));
        compiler.Admit(page, 3, cache, retired: 1_000_000, budget: 10, blockLimit: 100).ShouldBe(CompileAdmission.Later);

        gate.Set();
        Take(compiler);
        Take(compiler);
    }

    [Test]
    public void A_request_made_stale_in_flight_is_dropped_when_taken_back()
    {
        var compiler = new BackgroundCompiler<FakeBlock>();
        using var gate = new ManualResetEventSlim(false);
        compiler.BeforeBuild = () => gate.Wait(Patience);
        var written = new CodePage<int>();
        var cleared = new CodePage<int>();
        compiler.Submit(new(() => new FakeBlock(MakeBody(1)), written, 1, clears: 0));
        compiler.Submit(new(() => new FakeBlock(MakeBody(1)), cleared, 1, clears: 0));
        written.Reset(CodeKey.None); // its code was written: the engine empties the page
        gate.Set();

        var deadline = DateTime.UtcNow + Patience;
        while (compiler.InFlight > 0)
        {
            compiler.TryTake(clears: 1, out _).ShouldBeFalse("both went stale: one page written, the cache cleared since");
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the worker finished both requests");
            Thread.Sleep(1);
        }
        compiler.Dropped.ShouldBe(2);
    }

    [Test]
    public void The_worker_is_a_background_thread_that_ends_when_idle()
    {
        var compiler = new BackgroundCompiler<FakeBlock>();
        compiler.Worker.ShouldBeNull();
        compiler.Submit(new(() => new FakeBlock(MakeBody(1)), new CodePage<int>(), 1, 0));
        var worker = compiler.Worker;
        worker.ShouldNotBeNull();
        worker.IsBackground.ShouldBeTrue();

        Take(compiler);

        worker.Join(Patience).ShouldBeTrue("the worker ended after its idle wait");
        compiler.Worker.ShouldBeNull();
    }

    private static BackgroundCompiler<FakeBlock>.Request Take(BackgroundCompiler<FakeBlock> compiler)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            if (compiler.HasCompleted && compiler.TryTake(0, out var request))
                return request;
            DateTime.UtcNow.ShouldBeLessThan(deadline, "the worker finished the request");
            Thread.Sleep(1);
        }
    }

    /// <summary>A dynamic method adding 1 to a holder's value <paramref name="adds"/> times, as a delegate closed over a fresh holder.</summary>
    private static (Action Body, Holder Holder) MakeBody(int adds)
    {
        var method = new DynamicMethod("fake_block", typeof(void), [typeof(Holder)], typeof(Holder).Module, skipVisibility: true);
        var il = method.GetILGenerator();
        var value = typeof(Holder).GetField(nameof(Holder.Value))!;
        for (var i = 0; i < adds; i++)
        {
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Dup);
            il.Emit(OpCodes.Ldfld, value);
            il.Emit(OpCodes.Ldc_I4_1);
            il.Emit(OpCodes.Add);
            il.Emit(OpCodes.Stfld, value);
        }
        il.Emit(OpCodes.Ret);
        var holder = new Holder();
        return ((Action)method.CreateDelegate(typeof(Action), holder), holder);
    }

    internal sealed class Holder
    {
        public int Value = 0; // written by the dynamic method
    }

    internal sealed class FakeBlock((Action Body, Holder Holder) made) : ICompiledBlock
    {
        public Action Body { get; } = made.Body;

        public Holder Holder { get; } = made.Holder;

        public int InstructionCount => 1;

        public Delegate Code => Body;
    }
}
