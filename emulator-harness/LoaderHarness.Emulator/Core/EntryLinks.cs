using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Core;

/// <summary>
/// The units of the links between decoded entries of one code page (x86 <c>DecodedInstruction.NextAt</c>, arm64
/// <c>A64Instruction.NextAt</c>): an entry's place is slot × <see cref="Units"/>, in 16-byte units from the page's
/// first entry, which the chain turns into an address with a shift instead of a multiplication, and which fits 16
/// bits for every slot of a page. An entry's size must stay a multiple of 16 (each engine's tests check it).
/// </summary>
/// <typeparam name="TEntry">The decoded form an engine executes.</typeparam>
internal static class EntryLinks<TEntry>
    where TEntry : struct
{
    /// <summary>Size of an entry in 16-byte units.</summary>
    public static int Units => Unsafe.SizeOf<TEntry>() >> 4;

    /// <summary>The entry <paramref name="at"/> 16-byte units from <paramref name="entries"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref TEntry At(ref TEntry entries, int at)
        => ref Unsafe.AddByteOffset(ref entries, (nint)((uint)at << 4));
}
