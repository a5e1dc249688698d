namespace LoaderHarness.Emulator.Vcpu;

/// <summary>
/// The register and descriptor-table values one VMM gives the vCPU for one entry mode: what it writes into
/// guest memory (GDT, IDT, identity page tables) and into the vCPU (selectors, control registers, stack).
/// </summary>
public sealed record X86VcpuValues
{
    /// <summary>Guest-physical address of the GDT the VMM writes.</summary>
    public required ulong GdtAddress { get; init; }
    /// <summary>The GDT's 8-byte descriptors, entry 0 first (GDTR.limit = 8 × count − 1).</summary>
    public required IReadOnlyList<ulong> Gdt { get; init; }
    /// <summary>CS selector (index into <see cref="Gdt"/> × 8).</summary>
    public required ushort CodeSelector { get; init; }
    /// <summary>Selector loaded into DS, ES, FS, GS and SS.</summary>
    public required ushort DataSelector { get; init; }
    /// <summary>TR selector; its descriptor sets the task register cache.</summary>
    public required ushort TssSelector { get; init; }
    /// <summary>Guest-physical address of the IDT (one zero descriptor in every VMM here).</summary>
    public required ulong IdtAddress { get; init; }
    /// <summary>IDTR.limit.</summary>
    public ushort IdtLimit { get; init; } = 7;
    /// <summary>CR0 as the VMM sets it.</summary>
    public required ulong Cr0 { get; init; }
    /// <summary>CR4.</summary>
    public ulong Cr4 { get; init; }
    /// <summary>IA32_EFER.</summary>
    public ulong Efer { get; init; }
    /// <summary>Where the identity page tables go (CR3); unused when <see cref="IdentityMapSize"/> is 0.</summary>
    public ulong PageTableAddress { get; init; }
    /// <summary>Bytes identity-mapped with 2 MiB pages from address 0 (0: paging off).</summary>
    public ulong IdentityMapSize { get; init; }
    /// <summary>RSP (and RBP where the VMM sets both); 0 when the VMM leaves it unset.</summary>
    public ulong StackPointer { get; init; }
    /// <summary>Whether RBP is set to <see cref="StackPointer"/> too (Firecracker does).</summary>
    public bool FramePointerToo { get; init; }
    /// <summary>RFLAGS.</summary>
    public ulong Rflags { get; init; } = 0x2;
}
