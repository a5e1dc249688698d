using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// Where an engine fetches from, for both engines: the code page of the current virtual page and its host address,
/// the instruction TLB (<see cref="InstructionTlb{TEntry}"/>) that sets up a page execution returns to without a walk,
/// and the far-target cache (<see cref="FarTargets{TEntry}"/>) that lets the interpreter's chain follow returns,
/// indirect branches and branches into another cached page where the run loop would only have looked the instruction up.
/// What each architecture adds (x86's CS base and limit, a pending interrupt; arm64's alignment) stays in the engine.
/// </summary>
/// <remarks>A struct held in a field of the CPU, so its state lives inside the CPU object. Create it with <c>new()</c>.</remarks>
/// <typeparam name="TEntry">The engine's decoded instruction.</typeparam>
internal unsafe struct FetchCursor<TEntry>
    where TEntry : unmanaged, IFetchedEntry
{
    /// <summary>The code page of <see cref="VirtualPage"/>; null before the first fetch and after the code cache was emptied.</summary>
    public CodePage<TEntry>? Page;

    /// <summary>The host address of <see cref="Page"/>'s bytes.</summary>
    public byte* Host;

    /// <summary>The virtual (x86: linear) page number <see cref="Page"/> is fetched at; <see cref="ulong.MaxValue"/> when the loop must set it up again.</summary>
    public ulong VirtualPage;

    /// <summary>The instruction TLB.</summary>
    public readonly InstructionTlb<TEntry> Tlb;

    private FarTargets<TEntry> _farTargets;

    public FetchCursor()
    {
        VirtualPage = ulong.MaxValue;
        Tlb = new();
        _farTargets = new();
    }

    /// <summary>Fetch setups served by the instruction TLB or the far-target cache, for tests and measurements.</summary>
    public readonly ulong Hits => Tlb.Hits + _farTargets.Hits;

    /// <summary>Sets the cursor to <paramref name="address"/>'s page from the instruction TLB; false on a miss.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryCached(ulong address, in CodeKey key)
    {
        if (!Tlb.TryGet(address >> 12, key, out var page, out var host))
            return false;
        Page = page;
        Host = host;
        VirtualPage = address >> 12;
        return true;
    }

    /// <summary>
    /// Sets the cursor to a page a full fetch setup (walk, RAM lookup, code-cache lookup) found, and remembers it in the
    /// instruction TLB, <paramref name="global"/> when a global translation maps it.
    /// </summary>
    public void SetUp(ulong address, CodePage<TEntry> page, byte* host, bool global)
    {
        Page = page;
        Host = host;
        VirtualPage = address >> 12;
        Remember(address, page, host, global);
    }

    /// <summary>Remembers in the instruction TLB a page a walk found at <paramref name="address"/>, without moving the cursor there.</summary>
    public void Remember(ulong address, CodePage<TEntry> page, byte* host, bool global)
        => _farTargets.ForgetPage(Tlb.Remember(address >> 12, page, host, global)); // far targets into the evicted page are stale

    /// <summary>
    /// The chain's transfer to <paramref name="address"/> when the answer needs no instruction TLB: in the current page,
    /// or a far target remembered (the cursor then moves there). False sends the caller to <see cref="FollowIntoPage"/>.
    /// <paramref name="slot"/> is 0 when there is no decoded entry the chain may enter there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool TryFollow(ulong address, out int slot)
    {
        if (address >> 12 == VirtualPage)
        {
            slot = SlotIn(address);
            return true;
        }
        slot = _farTargets.TryGet(address, out var page, out var host);
        if (slot == 0)
            return false;
        Page = page;
        Host = host;
        VirtualPage = address >> 12;
        return true;
    }

    /// <summary>A transfer into another page the far-target cache does not know: through the instruction TLB, then remembered; 0 when the loop must take it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public int FollowIntoPage(ulong address, in CodeKey key)
    {
        if (!TryCached(address, key))
            return 0;
        var s = SlotIn(address);
        if (s != 0)
            _farTargets.Remember(address, Page!, Host, s);
        return s;
    }

    /// <summary>The slot of the decoded instruction at <paramref name="address"/> in the current page; 0 when there is none or it is a stop point.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly int SlotIn(ulong address)
    {
        var page = Page!;
        int s = page.SlotAt(address);
        return s == 0 || page.Entries[s].IsStopPoint ? 0 : s;
    }

    /// <summary>
    /// The fetch key (x86: CS base and limit, bitness) may have changed: the loop sets the current page up again and every
    /// far target is stale. Instruction TLB entries check their own key.
    /// </summary>
    public void Rekey()
    {
        _farTargets.Forget();
        VirtualPage = ulong.MaxValue;
    }

    /// <summary>A TLB flush: drops the instruction TLB too.</summary>
    public void Flush()
    {
        Tlb.Flush();
        Rekey();
    }

    /// <summary>A TLB flush that keeps global translations (<see cref="InstructionTlb{TEntry}.FlushKeepingGlobal"/>).</summary>
    public void FlushKeepingGlobal()
    {
        Tlb.FlushKeepingGlobal();
        Rekey();
    }
}
