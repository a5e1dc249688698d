namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Decoded instructions of one 4 KiB physical page, one slot per word. Entries do not depend on the
/// virtual address (PC-relative operands are kept as offsets), so a page mapped twice shares them.
/// </summary>
internal sealed class A64CodePage
{
    /// <summary>Slot <c>offset / 4</c>; a null handler means not decoded.</summary>
    public readonly A64Instruction[] Entries = new A64Instruction[1024];

    /// <summary>Drops every decoded entry of the page.</summary>
    public void Clear() => Array.Clear(Entries);

    /// <summary>
    /// Drops the entries overlapping <c>[offset, offset + length)</c>. Only the handler is cleared, so an
    /// instruction overwriting itself still finishes with its own operands.
    /// </summary>
    public unsafe void Invalidate(int offset, int length)
    {
        var last = Math.Min(4095, offset + length - 1);
        for (var slot = offset >> 2; slot <= last >> 2; slot++)
            Entries[slot].Handler = null;
    }
}
