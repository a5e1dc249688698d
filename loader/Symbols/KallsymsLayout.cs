namespace LoaderHarness.Loader.Symbols;

/// <summary>Where scripts/kallsyms.c <c>write_src</c> puts the address table relative to the name tables.</summary>
public enum KallsymsOrder
{
    /// <summary>
    /// Up to 6.3: <c>kallsyms_addresses</c> or <c>kallsyms_offsets</c> + <c>kallsyms_relative_base</c>, then
    /// <c>kallsyms_num_syms</c>, <c>kallsyms_names</c>, <c>kallsyms_markers</c>, (6.2–6.3)
    /// <c>kallsyms_seqs_of_names</c>, <c>kallsyms_token_table</c>, <c>kallsyms_token_index</c>.
    /// </summary>
    AddressesFirst,

    /// <summary>
    /// From 6.4 ("scripts/kallsyms: change the output order", 404bad70fcf7, which moved the address data last so the name
    /// tables no longer shift between link passes): <c>kallsyms_num_syms</c>, <c>kallsyms_names</c>,
    /// <c>kallsyms_markers</c>, <c>kallsyms_token_table</c>, <c>kallsyms_token_index</c>, the addresses or
    /// offsets (+ <c>kallsyms_relative_base</c>), <c>kallsyms_seqs_of_names</c>.
    /// </summary>
    AddressesLast,
}

/// <summary>How kallsyms stores each symbol's address (kernel/kallsyms.c <c>kallsyms_sym_address</c>).</summary>
public enum KallsymsAddressing
{
    /// <summary>
    /// <c>kallsyms_addresses</c>: one pointer-sized absolute address per symbol (!CONFIG_KALLSYMS_BASE_RELATIVE;
    /// removed in 6.11 by "kallsyms: get rid of code for absolute kallsyms", 64e166099b69).
    /// </summary>
    Absolute,

    /// <summary>
    /// <c>kallsyms_offsets</c>: u32 offsets above <c>kallsyms_relative_base</c> (CONFIG_KALLSYMS_BASE_RELATIVE from 4.6,
    /// "kallsyms: add support for relative offsets in kallsyms address table", 2213e9a66bb8; the only form from 6.11 to 6.19).
    /// </summary>
    Relative,

    /// <summary>
    /// CONFIG_KALLSYMS_ABSOLUTE_PERCPU (x86-64 SMP, 4.6 to 6.14; removed by "kallsyms: Remove
    /// KALLSYMS_ABSOLUTE_PERCPU", 01157ddc58dc): a non-negative s32 offset is the absolute address (a per-CPU
    /// variable's offset), a negative one means <c>kallsyms_relative_base − 1 − offset</c>.
    /// </summary>
    RelativeAbsolutePercpu,

    /// <summary>
    /// 7.0+ ("kallsyms: Get rid of kallsyms relative base", a081b5789255): no <c>kallsyms_relative_base</c>; each s32
    /// in <c>kallsyms_offsets</c> is relative to its own place, <c>&amp;kallsyms_offsets[i] + kallsyms_offsets[i]</c>
    /// (scripts/kallsyms.c <c>--pc-relative</c>), so the table needs no relocation.
    /// </summary>
    PlaceRelative,
}

/// <summary>Which kallsyms layout a kernel was built with, as the reader found it.</summary>
/// <param name="Order">Where the address table sits.</param>
/// <param name="Addressing">How addresses are stored.</param>
/// <param name="SeqsOfNamesWidth">Bytes per <c>kallsyms_seqs_of_names</c> entry (6.2+: 3, big-endian), or 0 when the table is absent or not between the markers and the token table.</param>
/// <param name="TwoByteLengths">Whether some name's length took two ULEB128 bytes ("kallsyms: support "big" kernel symbols", 73bbb94466fd, 6.1); false also for a 6.1+ table with no name that long.</param>
/// <param name="OneByteLengths">Whether the names only decode with pre-6.1 one-byte lengths (a length byte with bit 7 set that is not a ULEB128 prefix).</param>
public readonly record struct KallsymsLayout(KallsymsOrder Order, KallsymsAddressing Addressing, int SeqsOfNamesWidth, bool TwoByteLengths, bool OneByteLengths);
