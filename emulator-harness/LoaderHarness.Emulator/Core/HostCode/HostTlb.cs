using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// The TLB fast path of <see cref="SoftMmu"/> in host code, the same for both guest architectures (as
/// <see cref="Tiering.BlockFrame.EmitTlbProbe"/> writes it in IL). The conventions of both back ends: the guest address
/// in RDI, the state block (<see cref="HostState"/>) in R12, RAX and RCX free.
/// </summary>
internal static unsafe class HostTlb
{
    private static readonly int ReadOffset = FieldOffset(true);
    private static readonly int WriteOffset = FieldOffset(false);
    private static readonly int EntryShift = System.Numerics.BitOperations.Log2((uint)sizeof(TlbEntry));

    private static int FieldOffset(bool read)
    {
        var e = default(TlbEntry);
        return (int)((read ? (byte*)&e.Read : (byte*)&e.Write) - (byte*)&e);
    }

    /// <summary>
    /// <paramref name="host"/> = the host address of <paramref name="size"/> bytes at RDI. The entry is chosen by the first
    /// byte's page and must hold the last byte's, so a page-crossing access misses; a store misses too on a page it may not
    /// write directly (code on it, or not writable). A miss calls the CPU's refill (<see cref="HostExits.Refill"/>), which
    /// walks the guest's tables and fills the entry as the interpreter's access would, and probes again; where the refill
    /// cannot map it (a fault, MMIO, a crossing, a store to decoded code) the block leaves through <paramref name="miss"/>,
    /// before the instruction, and the interpreter runs it. Changes RFLAGS.
    /// </summary>
    public static void Probe(HostExits exits, bool write, int size, AssemblerRegister64 host, Label miss)
    {
        var a = exits.Assembler;
        var retry = a.CreateLabel();
        var refill = exits.Refill(retry, miss, RefillAccess(size, write));
        a.mov(eax, edi); // the entry's offset: (page mod TlbSize) × sizeof(TlbEntry), from bits 12 and up
        a.Label(ref retry); // after the first instruction, which no caller's label can share
        a.shr(eax, (byte)(12 - EntryShift));
        a.and(eax, (SoftMmu.TlbSize - 1) << EntryShift);
        a.add(rax, __qword_ptr[r12 + HostState.Tlb * 8]);
        a.lea(rcx, __[rdi + (size - 1)]);
        a.shr(rcx, 12);
        a.cmp(rcx, __qword_ptr[rax]); // TlbEntry.Page, the first field
        a.jne(refill);
        a.mov(host, __qword_ptr[rax + (write ? WriteOffset : ReadOffset)]);
        if (write)
        {
            a.test(host, host);
            a.jz(refill);
        }
        a.mov(ecx, edi);
        a.and(ecx, 0xFFF);
        a.add(host, rcx);
    }

    /// <summary>The access a refill is asked for, in one word: the size in bytes, and bit 16 for a store.</summary>
    public static int RefillAccess(int size, bool write) => size | (write ? 1 << 16 : 0);

    /// <summary>The size in bytes of <see cref="RefillAccess"/>'s word.</summary>
    public static int RefillSize(int access) => access & 0xFFFF;

    /// <summary>Whether <see cref="RefillAccess"/>'s word is a store.</summary>
    public static bool RefillWrites(int access) => (access & 1 << 16) != 0;
}
