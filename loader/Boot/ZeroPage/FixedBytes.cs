using System.Runtime.CompilerServices;

namespace LoaderHarness.Loader.Boot.ZeroPage;

// Fixed-size byte arrays for the boot_params sub-structures (C arrays such as screen_info._reserved[2] or
// edid_info.dummy[128]). A group of one-line buffer types kept together on purpose: each is only a length.
#pragma warning disable CS0169 // the element field is the array's storage, reached through the indexer

/// <summary>A C <c>__u8[2]</c>.</summary>
[InlineArray(2)]
public struct FixedBytes2 { private byte _element; }

/// <summary>A C <c>__u8[4]</c>.</summary>
[InlineArray(4)]
public struct FixedBytes4 { private byte _element; }

/// <summary>A C <c>__u8[8]</c>.</summary>
[InlineArray(8)]
public struct FixedBytes8 { private byte _element; }

/// <summary>A C <c>__u8[14]</c>.</summary>
[InlineArray(14)]
public struct FixedBytes14 { private byte _element; }

/// <summary>A C <c>__u8[16]</c>.</summary>
[InlineArray(16)]
public struct FixedBytes16 { private byte _element; }

/// <summary>A C <c>__u8[128]</c>.</summary>
[InlineArray(128)]
public struct FixedBytes128 { private byte _element; }
#pragma warning restore CS0169
