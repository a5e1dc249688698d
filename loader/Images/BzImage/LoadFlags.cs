namespace LoaderHarness.Loader.Images.BzImage;

/// <summary><c>loadflags</c> bits at 0x211 (boot.rst "loadflags"; arch/x86/include/uapi/asm/bootparam.h).</summary>
[Flags]
public enum LoadFlags : byte
{
    /// <summary>LOADED_HIGH: the protected-mode code is loaded at 0x100000.</summary>
    LoadedHigh = 1 << 0,
    /// <summary>KASLR_FLAG: set by the kernel's decompressor when it randomised the load (kernel internal; a loader leaves it clear).</summary>
    KaslrFlag = 1 << 1,
    /// <summary>QUIET_FLAG: the loader asks for no early messages.</summary>
    QuietFlag = 1 << 5,
    /// <summary>KEEP_SEGMENTS: obsolete since 2.07 (protocol 2.07+: do not reload segment registers in the 32-bit entry).</summary>
    KeepSegments = 1 << 6,
    /// <summary>CAN_USE_HEAP: heap_end_ptr is valid.</summary>
    CanUseHeap = 1 << 7,
}
