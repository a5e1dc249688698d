using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.Arm64;

/// <summary>
/// Stage-1 address translation with the 4 KiB granule (Arm ARM DDI 0487, D8 "The AArch64 Virtual Memory
/// System Architecture"): the EL1&amp;0 regime (TTBR0/TTBR1_EL1, TCR_EL1) and the non-VHE EL2 regime
/// (TTBR0_EL2, TCR_EL2). Level 0–3 walks, 1 GiB and 2 MiB blocks, top-byte ignore, hierarchical
/// APTable/PXNTable/UXNTable, AF and permission faults. No stage 2, no hardware AF/dirty updates.
/// </summary>
public sealed unsafe partial class Arm64Cpu
{
    /// <summary>Output and table address bits [47:12].</summary>
    private const ulong AddressMask = 0x0000_FFFF_FFFF_F000;

    /// <summary>Whether stage-1 translation is on for the current regime (SCTLR_ELx.M).</summary>
    public bool MmuEnabled => (_sys[ExceptionLevel == 2 ? SctlrEl2 : SctlrEl1] & 1) != 0;

    /// <summary>Translates a virtual address for an access at the current EL; faults are raised into the guest.</summary>
    internal ulong Translate(ulong va, AccessKind access, out bool writable) =>
        TranslateAt(va, access, ExceptionLevel, out writable);

    /// <summary>
    /// Translates <paramref name="va"/> without faulting (for harness read-backs): false when the address
    /// is not mapped for reads at the current EL.
    /// </summary>
    public bool TryTranslate(ulong va, out ulong physical)
    {
        try
        {
            physical = TranslateAt(va, AccessKind.Read, ExceptionLevel, out _);
            return true;
        }
        catch (Arm64Abort)
        {
            physical = 0;
            return false;
        }
    }

    /// <summary>The size of the mapping the last translation walked to, as a shift (12, 21 or 30; <see cref="Core.IAddressTranslator.BlockShift"/>).</summary>
    private int _leafShift = 12;

    private ulong TranslateAt(ulong va, AccessKind access, int el, out bool writable)
    {
        var el2 = el == 2;
        var sctlr = _sys[el2 ? SctlrEl2 : SctlrEl1];
        if ((sctlr & 1) == 0)
        {
            writable = true;
            _leafShift = 12; // no tables: nothing for a TLBI to change
            if (va >> 48 != 0)
                RaiseTranslationFault(va, access, el, ExceptionClass.AddressSizeFault, 0);
            return va;
        }
        return Walk(va, access, el, sctlr, out writable);
    }

    private ulong Walk(ulong va, AccessKind access, int el, ulong sctlr, out bool writable)
    {
        var el2 = el == 2;
        var tcr = _sys[el2 ? TcrEl2 : TcrEl1];
        var upper = !el2 && ((va >> 55) & 1) != 0;
        int tsz;
        bool tbi, epd, granule4K;
        ulong ttbr;
        if (el2)
        {
            tsz = (int)(tcr & 0x3F);
            tbi = ((tcr >> 20) & 1) != 0;
            epd = false;
            granule4K = ((tcr >> 14) & 3) == 0;
            ttbr = _sys[Ttbr0El2];
        }
        else if (upper)
        {
            tsz = (int)((tcr >> 16) & 0x3F);
            tbi = ((tcr >> 38) & 1) != 0;
            epd = ((tcr >> 23) & 1) != 0;
            granule4K = ((tcr >> 30) & 3) == 2;
            ttbr = _sys[Ttbr1El1];
        }
        else
        {
            tsz = (int)(tcr & 0x3F);
            tbi = ((tcr >> 37) & 1) != 0;
            epd = ((tcr >> 7) & 1) != 0;
            granule4K = ((tcr >> 14) & 3) == 0;
            ttbr = _sys[Ttbr0El1];
        }
        if (access == AccessKind.Execute)
            tbi = false;
        // Without FEAT_LVA, TxSZ below 16 acts as 16; above 39 (FEAT_TTST absent) as 39.
        var inputBits = 64 - Math.Clamp(tsz, 16, 39);
        var topBit = tbi ? 55 : 63;
        var rangeMask = (topBit == 63 ? ulong.MaxValue : (1UL << (topBit + 1)) - 1) & ~((1UL << inputBits) - 1);
        if ((va & rangeMask) != (upper ? rangeMask : 0) || epd)
            RaiseTranslationFault(va, access, el, ExceptionClass.TranslationFault, 0);
        if (!granule4K)
            ThrowStop(StopReason.Unimplemented, $"translation granule other than 4 KiB (TCR_EL{(el2 ? 2 : 1)} = 0x{tcr:x})");

        var level = 3 - (inputBits - 13) / 9;
        var table = ttbr & 0x0000_FFFF_FFFF_FFFE;
        bool tableReadOnly = false, tableNoEl0 = false, tablePxn = false, tableUxn = false;
        while (true)
        {
            var shift = 12 + 9 * (3 - level);
            var indexBits = Math.Min(9, inputBits - shift);
            var index = (va >> shift) & ((1UL << indexBits) - 1);
            var descriptor = ReadTableEntry((table & ~((8UL << indexBits) - 1)) + index * 8);
            if ((descriptor & 1) == 0)
                RaiseTranslationFault(va, access, el, ExceptionClass.TranslationFault, level);
            if (level < 3 && (descriptor & 2) != 0)
            {
                tableNoEl0 |= ((descriptor >> 61) & 1) != 0;
                tableReadOnly |= ((descriptor >> 62) & 1) != 0;
                tablePxn |= ((descriptor >> 59) & 1) != 0;
                tableUxn |= ((descriptor >> 60) & 1) != 0;
                table = descriptor & AddressMask;
                level++;
                continue;
            }
            // Level 0 has no blocks with a 4 KiB granule; at level 3 0b01 is reserved.
            if (level == 0 || (level == 3 && (descriptor & 2) == 0))
                RaiseTranslationFault(va, access, el, ExceptionClass.TranslationFault, level);
            if (((descriptor >> 10) & 1) == 0)
                RaiseTranslationFault(va, access, el, ExceptionClass.AccessFlagFault, level);

            _leafShift = shift;
            if (access == AccessKind.Execute)
                NoteCodeMapping(shift);
            var readOnly = ((descriptor >> 7) & 1) != 0 || tableReadOnly;
            var el0Access = !el2 && ((descriptor >> 6) & 1) != 0 && !tableNoEl0;
            bool executable;
            if (el2)
                executable = ((descriptor >> 54) & 1) == 0 && !tableUxn;
            else if (el == 0)
                executable = ((descriptor >> 54) & 1) == 0 && !tableUxn;
            else
                // EL1 never executes memory EL0 can write (AP[2:1] = 0b01).
                executable = ((descriptor >> 53) & 1) == 0 && !tablePxn && !(el0Access && !readOnly);
            if (((sctlr >> 19) & 1) != 0 && !readOnly)
                executable = false;
            var allowed = access switch
            {
                AccessKind.Write => !readOnly && (el != 0 || el0Access),
                AccessKind.Execute => executable,
                _ => el != 0 || el0Access,
            };
            if (!allowed)
                RaiseTranslationFault(va, access, el, ExceptionClass.PermissionFault, level);
            writable = !readOnly && (el != 0 || el0Access);
            var offsetMask = (1UL << shift) - 1;
            return (descriptor & AddressMask & ~offsetMask) | (va & offsetMask);
        }
    }

    /// <summary>Raises the instruction or data abort for a failed translation at <paramref name="level"/>.</summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private void RaiseTranslationFault(ulong va, AccessKind access, int el, uint faultType, int level)
    {
        var lower = el == 0;
        var ec = access == AccessKind.Execute
            ? (lower ? ExceptionClass.InstructionAbortLower : ExceptionClass.InstructionAbortSame)
            : (lower ? ExceptionClass.DataAbortLower : ExceptionClass.DataAbortSame);
        var iss = faultType | (uint)level | (access == AccessKind.Write ? 1u << 6 : 0);
        ThrowFault(ec, iss, va);
    }

    /// <summary>
    /// AT S1E{0,1}{R,W}: translates for EL0 or EL1 and writes PAR_EL1 — the PA on success, F = 1 with the
    /// fault status otherwise (Arm ARM D19.2.97 PAR_EL1).
    /// </summary>
    internal void AddressTranslate(ulong va, int el, bool write)
    {
        try
        {
            var pa = TranslateAt(va, write ? AccessKind.Write : AccessKind.Read, el, out _);
            _sys[ParEl1] = pa & AddressMask;
        }
        catch (Arm64Abort abort) when (!abort.IsStop)
        {
            _sys[ParEl1] = 1 | ((ulong)(abort.Syndrome & 0x3F) << 1);
        }
    }
}
