namespace LoaderHarness.Emulator.Core.Tiering;

/// <summary>
/// The bounded store of compiled blocks both engines share (the translator cache of Ryujinx's ARMeilleure,
/// QEMU's TB cache). A block is found through a handle kept in the decoded entry it starts at, and is valid
/// only while the <see cref="CodePage"/> it was translated from keeps the generation it had then: a write to
/// the page's code (self-modifying code, patching) resets the page, which drops every handle at once.
/// At most <see cref="Capacity"/> blocks are held; when full, a clock sweep (second-chance LRU) evicts one
/// not entered since the hand last passed, so compiled code, and the dynamic methods behind it, stay bounded.
/// </summary>
/// <typeparam name="TBlock">The engine's compiled block.</typeparam>
internal sealed class CompiledBlockCache<TBlock> : IBlockLinkCounts
    where TBlock : class, ICompiledBlock
{
    /// <summary>The default limit: 8192 blocks. A block is at most a few hundred guest instructions, so this holds the hot code of a kernel boot.</summary>
    public const int DefaultCapacity = 8192;

    /// <summary>
    /// The blocks, grown by doubling up to <see cref="Capacity"/>: a vCPU that compiles little (the conformance run's
    /// 54 boots) no longer zeroes 256 KB for it, 4,000 of that run's 17,000 page faults.
    /// </summary>
    private Slot[] _slots;
    private readonly int _capacity;
    private int _count;
    private int _hand;

    /// <summary>Creates an empty cache of at most <paramref name="capacity"/> blocks.</summary>
    public CompiledBlockCache(int capacity = DefaultCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _slots = new Slot[Math.Min(capacity, 64)];
    }

    /// <summary>
    /// Creates an empty cache of at most <paramref name="capacity"/> blocks that, when it evicts a block, clears the
    /// block's handle in the entry it started at (<typeparamref name="TEntry"/>), when the page still holds that entry.
    /// </summary>
    public static CompiledBlockCache<TBlock> ForEntries<TEntry>(int capacity)
        where TEntry : unmanaged, ICompiledEntry
        => new(capacity) { OnEvict = Forget<TEntry> };

    private static void Forget<TEntry>(CodePage page, int slot, uint generation)
        where TEntry : unmanaged, ICompiledEntry
    {
        if (page.Generation == generation && page is CodePage<TEntry> p && slot < p.Entries.Length)
            p.Entries[slot].ForgetCompiled();
    }

    /// <summary>The most blocks held at once.</summary>
    public int Capacity => _capacity;

    /// <summary>Blocks held now.</summary>
    public int Count => _count;

    /// <summary>Blocks added over the cache's lifetime.</summary>
    public long Added { get; private set; }

    /// <summary>Blocks evicted to make room.</summary>
    public long Evicted { get; private set; }

    /// <summary>Called with the page, slot and generation of an evicted block so the engine clears the handle its entry holds.</summary>
    public Action<CodePage, int, uint>? OnEvict { get; set; }

    /// <summary>Guest instructions covered by the blocks held now.</summary>
    public long GuestInstructions { get; private set; }

    /// <summary>Hot entries the translator refused (left to the interpreter).</summary>
    public long Rejected { get; private set; }

    /// <summary>
    /// Guest instructions compiled since the engine started, refused translations charged at their largest: the work
    /// <see cref="TierPolicy.MayCompile"/> weighs against the instructions retired. Unlike <see cref="GuestInstructions"/>
    /// it never falls, since eviction does not give back the time spent compiling.
    /// </summary>
    public ulong CompileWork { get; private set; }

    /// <summary>
    /// Bumped whenever a block stops being its entry's (evicted, dropped by <see cref="Clear"/>, or disowned by the
    /// engine through <see cref="Disown"/>), so that an engine's direct links between blocks, checked against it, never
    /// enter a block the cache no longer holds for its entry.
    /// </summary>
    public uint Epoch { get; private set; }

    /// <summary>Bumped by <see cref="Clear"/> only: a block compiled in the background from code read before a clear is stale.</summary>
    public uint Clears { get; private set; }

    /// <summary>Tells the cache an entry's block was given up by the engine (its handle cleared): links made before are void.</summary>
    public void Disown() => Epoch++;

    /// <summary>Times compiled code was entered, from the run loop or chained.</summary>
    public long Entries { get; set; }

    /// <summary>Of <see cref="Entries"/>, those made straight from another compiled block.</summary>
    public long Chained { get; set; }

    /// <summary>Of <see cref="Chained"/>, those made by compiled code itself jumping into the next block.</summary>
    public long Linked { get; set; }

    /// <summary>What the compiling tier did so far, as the engines report it.</summary>
    public TieringStatistics Statistics => new(Added, Rejected, Evicted, Count, Capacity, Entries, GuestInstructions, Chained, Linked);

    /// <summary>Stores <paramref name="block"/>, translated from entry <paramref name="slot"/> of <paramref name="page"/>; returns its handle (≥ 1).</summary>
    public int Add(TBlock block, CodePage page, int slot)
    {
        var handle = Store(block, page, slot);
        GuestInstructions += block.InstructionCount;
        CompileWork += (ulong)block.InstructionCount;
        Added++;
        return handle;
    }

    /// <summary>
    /// Stores <paramref name="entry"/>, a second way into the code of a block already added (whose instructions were counted
    /// with it), for entry <paramref name="slot"/> of <paramref name="page"/>; returns its handle (≥ 1). It takes a place
    /// of its own, evicted as blocks are.
    /// </summary>
    public int AddEntry(TBlock entry, CodePage page, int slot) => Store(entry, page, slot);

    /// <summary>
    /// Gives each of a block's second <paramref name="entries"/> (by the address it enters at, in <paramref name="page"/>)
    /// to its decoded entry, unless that entry has a block, was refused one, or has one in flight on <paramref name="compiler"/>.
    /// </summary>
    public void AddEntries<TEntry>(IEnumerable<(ulong Address, TBlock Entry)> entries, CodePage<TEntry> page, BackgroundCompiler<TBlock>? compiler)
        where TEntry : unmanaged, ICompiledEntry
    {
        foreach (var (address, entry) in entries)
        {
            int slot = page.SlotAt(address);
            if (slot != 0 && page.Entries[slot].CompiledHandle == 0 && compiler?.IsInFlight(page, slot) != true)
                page.Entries[slot].CompiledHandle = AddEntry(entry, page, slot);
        }
    }

    private int Store(TBlock block, CodePage page, int slot)
    {
        int index;
        if (_count < _capacity)
        {
            if (_count == _slots.Length)
                Array.Resize(ref _slots, Math.Min(_capacity, _slots.Length * 2));
            index = _count++;
        }
        else
        {
            index = Victim();
            ref var old = ref _slots[index];
            GuestInstructions -= old.Block!.InstructionCount;
            Evicted++;
            Epoch++;
            OnEvict?.Invoke(old.Page!, old.EntrySlot, old.Generation);
        }
        _slots[index] = new Slot { Block = block, Page = page, EntrySlot = slot, Generation = page.Generation, Referenced = true };
        return index + 1;
    }

    /// <summary>Counts a hot entry the translator refused, charging <paramref name="blockLimit"/> instructions of compile work.</summary>
    public void Reject(int blockLimit)
    {
        Rejected++;
        CompileWork += (ulong)blockLimit;
    }

    /// <summary>Whether, with <paramref name="retired"/> instructions retired, a block of at most <paramref name="blockLimit"/> instructions may be compiled under <paramref name="budget"/>.</summary>
    public bool MayCompile(ulong retired, int budget, int blockLimit) => TierPolicy.MayCompile(CompileWork, retired, budget, blockLimit);

    /// <summary>The block behind <paramref name="handle"/> when it still belongs to entry <paramref name="slot"/> of <paramref name="page"/> at its current generation; null otherwise.</summary>
    public TBlock? Get(int handle, CodePage page, int slot)
    {
        if ((uint)(handle - 1) >= (uint)_count)
            return null;
        ref var s = ref _slots[handle - 1];
        if (!ReferenceEquals(s.Page, page) || s.EntrySlot != slot || s.Generation != page.Generation)
            return null;
        s.Referenced = true;
        return s.Block;
    }

    /// <summary>
    /// The block behind <paramref name="handle"/>, marked entered as <see cref="Get"/> marks it, for a caller that knows
    /// the handle still belongs to the entry it was taken from: no block was evicted, disowned or cleared since
    /// (<see cref="Epoch"/> unchanged) and the entry's page kept its generation. Links hold handles, not blocks, so an
    /// evicted block is not kept alive by them and the cache's limit bounds compiled code.
    /// </summary>
    public TBlock Entered(int handle)
    {
        ref var s = ref _slots[handle - 1];
        s.Referenced = true;
        return s.Block!;
    }

    /// <summary>Guest instructions of the block behind <paramref name="handle"/> (an entry's compiled handle), without marking it entered; int.MaxValue when there is none.</summary>
    public int InstructionCountOf(int handle)
        => handle > 0 && handle <= _count && _slots[handle - 1].Block is { } block ? block.InstructionCount : int.MaxValue;

    /// <summary>Drops every block (the engine dropped its decoded code).</summary>
    public void Clear()
    {
        Array.Clear(_slots, 0, _count);
        _count = 0;
        _hand = 0;
        Epoch++;
        Clears++;
        GuestInstructions = 0;
    }

    /// <summary>Clock sweep: the first slot not referenced since the hand last passed, clearing reference bits on the way.</summary>
    private int Victim()
    {
        while (true)
        {
            ref var s = ref _slots[_hand];
            var index = _hand;
            _hand = (_hand + 1) % _slots.Length;
            if (!s.Referenced)
                return index;
            s.Referenced = false;
        }
    }

    private struct Slot
    {
        public TBlock? Block;
        public CodePage? Page;
        public int EntrySlot;
        public uint Generation;
        public bool Referenced;
    }
}
