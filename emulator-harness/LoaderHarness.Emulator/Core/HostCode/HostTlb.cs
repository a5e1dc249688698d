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
    /// <paramref name="host"/> = the host address of <paramref name="size"/> bytes at RDI, or a jump to
    /// <paramref name="miss"/>. The entry is chosen by the first byte's page and must hold the last byte's, so a
    /// page-crossing access misses; a store misses too on a page it may not write directly (code on it, or not writable).
    /// Changes RFLAGS.
    /// </summary>
    public static void Probe(Assembler a, bool write, int size, AssemblerRegister64 host, Label miss)
    {
        a.mov(eax, edi); // the entry's offset: (page mod TlbSize) × sizeof(TlbEntry), from bits 12 and up
        a.shr(eax, (byte)(12 - EntryShift));
        a.and(eax, (SoftMmu.TlbSize - 1) << EntryShift);
        a.add(rax, __qword_ptr[r12 + HostState.Tlb * 8]);
        a.lea(rcx, __[rdi + (size - 1)]);
        a.shr(rcx, 12);
        a.cmp(rcx, __qword_ptr[rax]); // TlbEntry.Page, the first field
        a.jne(miss);
        a.mov(host, __qword_ptr[rax + (write ? WriteOffset : ReadOffset)]);
        if (write)
        {
            a.test(host, host);
            a.jz(miss);
        }
        a.mov(ecx, edi);
        a.and(ecx, 0xFFF);
        a.add(host, rcx);
    }
}
