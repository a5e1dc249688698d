using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.Core.HostCode;

/// <summary>
/// Where the guest's arithmetic flags are while a block's host code is emitted, the same for both guest architectures:
/// in the host's RFLAGS, as the host's own instruction of the guest's operation left them (x86's six flags; A64's NZCV as
/// SF, ZF, CF and OF), and in the state block (<see cref="HostState.Flags"/>: LAHF's byte in AH, SETO's in AL). Two cheap
/// instructions save them, where PUSHFQ is microcoded, and an ADD for OF and SAHF load them back.
/// </summary>
internal sealed class HostFlags(Assembler a)
{
    /// <summary>Whether the host's RFLAGS hold the guest's flags at this point of the emission.</summary>
    public bool InHost;

    /// <summary>Whether they hold flags the state block does not have yet.</summary>
    public bool Pending;

    /// <summary>A host instruction leaving the guest's flags in RFLAGS was emitted.</summary>
    public void Produced()
    {
        InHost = true;
        Pending = true;
    }

    /// <summary>
    /// An instruction whose flags nothing reads replaced them: neither they nor the ones before them (which it replaced
    /// or merged into flags nothing reads) need saving, and RFLAGS holds no guest flags.
    /// </summary>
    public void Dead()
    {
        InHost = false;
        Pending = false;
    }

    /// <summary>Saves RFLAGS to the state block when it holds newer flags; LAHF, SETO and the store change no flag. Uses RAX.</summary>
    public void Save()
    {
        if (!Pending)
            return;
        a.lahf();
        a.seto(al);
        a.mov(__word_ptr[r12 + HostState.Flags * 8], ax);
        Pending = false;
    }

    /// <summary>
    /// Loads the guest's flags from the state block into RFLAGS when it does not hold them: OF through an 8-bit ADD of
    /// 0x7F to its byte, which overflows exactly when that byte is 1, then SF, ZF, AF, PF and CF through SAHF (which leaves
    /// OF alone, SDM Vol. 2B SAHF). Uses RAX.
    /// </summary>
    public void Load()
    {
        if (InHost)
            return;
        a.movzx(eax, __word_ptr[r12 + HostState.Flags * 8]);
        a.add(al, 0x7F);
        a.sahf();
        InHost = true;
    }
}
