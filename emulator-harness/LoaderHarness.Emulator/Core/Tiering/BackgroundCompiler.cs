using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// Compiles hot blocks on a worker thread while the CPU goes on interpreting them (the background translation of
/// Ryujinx's ARMeilleure: its Translator queues hot functions and worker threads translate them while the guest runs
/// in the lower tier). The CPU's thread finds a block's instructions (they live in its code pages and depend on its
/// state) and submits what it found; the worker emits the IL and has the .NET JIT compile it (a DynamicMethod is
/// otherwise compiled at its first call, on the CPU's thread: <see cref="RuntimeHelpers.PrepareDelegate"/> compiles the
/// method a delegate calls, in CoreCLR since .NET Core 2.1), or writes the block's host code where the engine makes its
/// own (the x86 engine without a JIT); the CPU's thread takes finished requests back
/// (<see cref="TryTake"/>), checks they are still valid, and installs them.
/// <para>
/// The worker builds the newest waiting request first, as ARMeilleure's <c>TranslateStackedSubs</c> pops its background
/// stack (Ryujinx, src/ARMeilleure/Translation/Translator.cs): the entry that became hot last is the code the guest
/// runs now, while an older request may belong to a phase the guest has left (first in, first out, a queue that grew
/// made every block late). An entry the CPU asks for again while its request waits is still the code it runs, and
/// its request goes back to the top (<see cref="Admit"/>).
/// </para>
/// <para>
/// Everything but the worker's loop runs on the CPU's thread. At most <see cref="Limit"/> requests are submitted and
/// not yet taken back. The worker is a background thread (it never keeps the process alive) started at the first
/// request and ending after <see cref="IdleMilliseconds"/> with nothing queued, so it does not outlive the run that
/// fed it, and it holds nothing of the CPU between requests.
/// </para>
/// </summary>
/// <typeparam name="TBlock">The engine's compiled block.</typeparam>
internal sealed class BackgroundCompiler<TBlock>
    where TBlock : class, ICompiledBlock
{
    /// <summary>
    /// The default <see cref="Limit"/>: 64 blocks in flight. Compiling one takes a few milliseconds and a boot makes
    /// hot entries a few per millisecond at most, so this is seldom reached; when it is, the CPU interprets the new hot
    /// entry a little longer rather than queueing work whose result would arrive after it stopped mattering.
    /// </summary>
    public const int DefaultLimit = 64;

    /// <summary>How long the worker waits for a request before it ends (a later request starts a new one).</summary>
    public const int IdleMilliseconds = 100;

    private readonly object _lock = new();
    /// <summary>Requests not yet taken by the worker, the next to build last.</summary>
    private readonly List<Request> _waiting = [];
    private readonly ConcurrentQueue<Request> _done = new();
    private readonly Dictionary<(CodePage, int), Request> _inFlight = [];
    private Thread? _worker;
    private int _completed;
    private int _taken;

    /// <summary>Creates a compiler that has at most <paramref name="limit"/> requests in flight.</summary>
    public BackgroundCompiler(int limit = DefaultLimit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        Limit = limit;
    }

    /// <summary>The most requests submitted and not yet taken back.</summary>
    public int Limit { get; }

    /// <summary>Requests submitted and not yet taken back.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>Requests taken back and dropped by the CPU because the code or the cache changed while they were in flight.</summary>
    public long Dropped { get; set; }

    /// <summary>Called on the worker before each build (tests hold a request in flight with it).</summary>
    internal Action? BeforeBuild { get; set; }

    /// <summary>The worker thread while it runs (for tests); null when none does.</summary>
    internal Thread? Worker
    {
        get
        {
            lock (_lock)
                return _worker;
        }
    }

    /// <summary>Whether the worker finished a request the CPU has not taken back yet: one volatile read, for the CPU's run loop.</summary>
    public bool HasCompleted
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Volatile.Read(ref _completed) != _taken;
    }

    /// <summary>Whether a request for entry <paramref name="slot"/> of <paramref name="page"/> is in flight.</summary>
    public bool IsInFlight(CodePage page, int slot) => _inFlight.ContainsKey((page, slot));

    /// <summary>Whether another request may be submitted now.</summary>
    public bool HasRoom => _inFlight.Count < Limit;

    /// <summary>Hands <paramref name="request"/> to the worker (after <see cref="HasRoom"/> and <see cref="IsInFlight"/> said it may be).</summary>
    public void Submit(Request request)
    {
        _inFlight.Add((request.Page, request.Slot), request);
        lock (_lock)
        {
            _waiting.Add(request);
            if (_worker is null)
            {
                _worker = new Thread(Work) { IsBackground = true, Name = "tier-2 compiler" };
                _worker.Start();
            }
            else
                Monitor.Pulse(_lock);
        }
    }

    /// <summary>
    /// Whether entry <paramref name="slot"/> of <paramref name="page"/> may be submitted now. The compile budget of
    /// <paramref name="cache"/> charges every request in flight at its largest (<paramref name="blockLimit"/> instructions),
    /// as the inline path charges the block it is about to compile, so background compilation never does more work than
    /// inline compilation may.
    /// </summary>
    public CompileAdmission Admit(CodePage page, int slot, CompiledBlockCache<TBlock> cache, ulong retired, int budget, int blockLimit)
    {
        if (_inFlight.TryGetValue((page, slot), out var waiting))
        {
            BuildNext(waiting);
            return CompileAdmission.Later;
        }
        return !HasRoom ? CompileAdmission.Later
            : cache.MayCompile(retired, budget, blockLimit * (InFlight + 1)) ? CompileAdmission.Admitted : CompileAdmission.Refused;
    }

    /// <summary>
    /// Moves <paramref name="request"/>, asked for again while it waits (its entry ran another poll interval interpreted), to
    /// the top of the stack, unless the worker took it already: the newest request is built first, and a hot entry stays
    /// as new as its last execution, where it had sunk under the requests of every entry that became hot after it (on the
    /// PVH boot to /init, 736 entries each stopped a chain about 940 times before their blocks arrived).
    /// </summary>
    private void BuildNext(Request request)
    {
        lock (_lock)
        {
            var at = _waiting.LastIndexOf(request);
            if (at < 0 || at == _waiting.Count - 1)
                return;
            _waiting.RemoveAt(at);
            _waiting.Add(request);
        }
    }

    /// <summary>
    /// Takes back a request the worker finished (its <see cref="Request.Block"/> null when the translation failed), dropping
    /// on the way (<see cref="Dropped"/>) those made stale in flight: their page was written (its generation moved) or the
    /// engine dropped its compiled code (the cache's <see cref="CompiledBlockCache{TBlock}.Clears"/>, now
    /// <paramref name="clears"/>, moved). A dropped block never runs.
    /// </summary>
    public bool TryTake(uint clears, [NotNullWhen(true)] out Request? request)
    {
        while (_done.TryDequeue(out request))
        {
            _taken++;
            _inFlight.Remove((request.Page, request.Slot));
            if (request.Generation == request.Page.Generation && request.Clears == clears)
                return true;
            Dropped++;
        }
        return false;
    }

    private void Work()
    {
        while (true)
        {
            Request request;
            lock (_lock)
            {
                while (_waiting.Count == 0)
                {
                    if (!Monitor.Wait(_lock, IdleMilliseconds) && _waiting.Count == 0)
                    {
                        _worker = null;
                        return;
                    }
                }
                request = _waiting[^1];
                _waiting.RemoveAt(_waiting.Count - 1);
            }
            Compile(request);
            _done.Enqueue(request);
            Interlocked.Increment(ref _completed);
        }
    }

    /// <summary>
    /// Builds the block and JIT-compiles its body (a no-op for host code). Any exception (an InvalidProgramException from the JIT, a translator
    /// bug) leaves the block null, which the CPU treats as a translation the translator refused, as it does inline.
    /// </summary>
    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "a failed translation falls back to the interpreter; the worker must not die")]
    private void Compile(Request request)
    {
        try
        {
            BeforeBuild?.Invoke();
            var block = request.Build!();
            if (block is not null)
                RuntimeHelpers.PrepareDelegate(block.Code);
            request.Block = block;
        }
        catch (Exception)
        {
            request.Block = null;
        }
        request.Build = null; // the translator's copies, no longer needed
    }

    /// <summary>One block to compile: the entry it starts at and what the CPU knew when it asked.</summary>
    /// <param name="build">Emits and compiles the block from what the CPU's thread found (runs on the worker).</param>
    /// <param name="page">The code page of the block's first instruction.</param>
    /// <param name="slot">The entry of that instruction.</param>
    /// <param name="clears">The block cache's <see cref="CompiledBlockCache{TBlock}.Clears"/> when asked.</param>
    internal sealed class Request(Func<TBlock?> build, CodePage page, int slot, uint clears)
    {
        /// <summary>Emits and compiles the block; cleared once it ran.</summary>
        public Func<TBlock?>? Build = build;

        /// <summary>The code page of the block's first instruction.</summary>
        public CodePage Page { get; } = page;

        /// <summary>The entry of that instruction.</summary>
        public int Slot { get; } = slot;

        /// <summary>The page's generation when the block's instructions were read: the block is stale once it changed.</summary>
        public uint Generation { get; } = page.Generation;

        /// <summary>The block cache's clears when asked: the block is stale once the engine dropped its code.</summary>
        public uint Clears { get; } = clears;

        /// <summary>The engine's own data for installing the block (the x86 engine: the head's linear address).</summary>
        public ulong Tag { get; init; }

        /// <summary>A second word of the engine's own data (the x86 engine: the code segment's base).</summary>
        public ulong Tag2 { get; init; }

        /// <summary>The compiled block; null when the translation failed.</summary>
        public TBlock? Block;
    }
}
