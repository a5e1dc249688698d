using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Far JMP and far CALL in protected mode to a code segment or through a call gate, including the call to
/// a more privileged ring with its TSS stack switch and parameter copy (SDM Vol. 2 CALL and JMP, Vol. 3A
/// §5.8.3–§5.8.6). Task gates and TSS selectors (task switches) stop the run as unimplemented.
/// </summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>Far JMP to <paramref name="selector"/>:<paramref name="offset"/>; sets <see cref="NextRip"/>.</summary>
    internal void FarJump(ushort selector, ulong offset)
    {
        if (!Protected || !IsSystemDescriptor(selector, out var raw))
        {
            LoadCodeSegment(selector, Cpl);
            NextRip = offset;
            return;
        }
        if (IsTaskSwitch(selector, raw, "jmp"))
            return;
        var gate = ReadCallGate(selector, raw);
        var conforming = (gate.Code.Type & 4) != 0;
        if (conforming ? gate.Code.Dpl > Cpl : gate.Code.Dpl != Cpl)
            Throw(ExceptionVector.GeneralProtection, (uint)(gate.CodeSelector & 0xFFFC));
        LoadCodeSegment(gate.CodeSelector, Cpl);
        NextRip = gate.Target;
    }

    /// <summary>Far CALL to <paramref name="selector"/>:<paramref name="offset"/> with <paramref name="size"/>-byte pushes; sets <see cref="NextRip"/>.</summary>
    internal void FarCall(ushort selector, ulong offset, int size)
    {
        if (!Protected || !IsSystemDescriptor(selector, out var raw))
        {
            CallCodeSegment(selector, offset, size, Cpl);
            return;
        }
        if (IsTaskSwitch(selector, raw, "call"))
            return;
        var gate = ReadCallGate(selector, raw);
        if (gate.Code.Dpl > Cpl)
            Throw(ExceptionVector.GeneralProtection, (uint)(gate.CodeSelector & 0xFFFC));
        var conforming = (gate.Code.Type & 4) != 0;
        if (conforming || gate.Code.Dpl == Cpl)
            CallCodeSegment(gate.CodeSelector, gate.Target, gate.Size, Cpl);
        else
            CallInnerRing(gate);
    }

    /// <summary>Pushes CS and the return address, then loads CS at privilege <paramref name="cpl"/>; RSP is restored if anything faults.</summary>
    private void CallCodeSegment(ushort selector, ulong offset, int size, int cpl)
    {
        var sp = R[4];
        try
        {
            Push(Seg[(int)SegmentRegister.Cs].Selector, size);
            Push(NextRip, size);
            LoadCodeSegment(selector, cpl);
        }
        catch (GuestFault)
        {
            R[4] = sp;
            throw;
        }
        NextRip = offset;
    }

    /// <summary>
    /// CALL through a gate to a non-conforming segment of a more privileged ring: new SS:ESP from the TSS
    /// (SS is the null selector in IA-32e mode), then the caller's SS, ESP, the gate's parameters copied
    /// from the caller's stack (legacy gates only), CS and the return address.
    /// </summary>
    private void CallInnerRing(CallGate gate)
    {
        var newCpl = gate.Code.Dpl;
        var lma = (_efer & ControlBits.EferLma) != 0;
        ref var tr = ref Seg[(int)SegmentRegister.Tr];
        var tss32 = tr.Type is 9 or 0xB;
        var slot = lma || tss32 ? 4 + (ulong)newCpl * 8 : 2 + (ulong)newCpl * 4;
        var stackWidth = lma ? 8 : tss32 ? 4 : 2;
        if (slot + (ulong)(lma ? 8 : stackWidth + 2) - 1 > tr.Limit)
            Throw(ExceptionVector.InvalidTss, (uint)(tr.Selector & 0xFFFC));
        var newSp = ReadSystemLinear(WrapLinear(tr.Base + slot), stackWidth);
        var newSs = lma ? (ushort)newCpl : (ushort)ReadSystemLinear(WrapLinear(tr.Base + slot + (ulong)stackWidth), 2);

        var oldSs = Seg[(int)SegmentRegister.Ss];
        var oldCs = Seg[(int)SegmentRegister.Cs];
        var oldRsp = R[4];
        var oldSp = Sp;
        Span<ulong> parameters = stackalloc ulong[32];
        for (var i = 0; i < gate.Parameters; i++)
            parameters[i] = PeekStack((ulong)(i * gate.Size), gate.Size);
        try
        {
            // CS first: the new stack is written at the new privilege level.
            LoadCodeSegment(gate.CodeSelector, newCpl);
            if (lma)
            {
                Seg[(int)SegmentRegister.Ss] = new Segment(newSs, 0, 0, (ushort)(Segment.UnusableBit | (newCpl << 5)));
                UpdateMode();
            }
            else
                LoadStackSegmentForCpl(newSs, newCpl);
            SetSp(newSp);
            Push(oldSs.Selector, gate.Size);
            Push(oldSp, gate.Size);
            for (var i = gate.Parameters - 1; i >= 0; i--)
                Push(parameters[i], gate.Size);
            Push(oldCs.Selector, gate.Size);
            Push(NextRip, gate.Size);
        }
        catch (GuestFault)
        {
            Seg[(int)SegmentRegister.Cs] = oldCs;
            Seg[(int)SegmentRegister.Ss] = oldSs;
            R[4] = oldRsp;
            UpdateMode();
            throw;
        }
        NextRip = gate.Target;
    }

    /// <summary>Reads the descriptor of a far JMP/CALL target (#GP(0) for null, #GP(selector) outside its table); true when it is a system descriptor.</summary>
    private bool IsSystemDescriptor(ushort selector, out ulong raw)
    {
        if ((selector & 0xFFFC) == 0)
            Throw(ExceptionVector.GeneralProtection);
        raw = ReadDescriptor(selector, out _);
        return (raw & (1UL << 44)) == 0;
    }

    /// <summary>TSS and task-gate targets: task switches are not implemented and stop the run; in IA-32e mode they are invalid (#GP).</summary>
    private bool IsTaskSwitch(ushort selector, ulong raw, string instruction)
    {
        var type = (int)(raw >> 40) & 0xF;
        if (type is not (1 or 5 or 9))
            return false;
        if ((_efer & ControlBits.EferLma) != 0)
            Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));
        StopBefore(StopReason.Unimplemented, $"unimplemented: task switch by far {instruction} to selector 0x{selector:x} at 0x{Rip:x}");
        return true;
    }

    /// <summary>
    /// Checks a call gate and the code segment it names (SDM Vol. 2 CALL "CALL-GATE"): 16- or 32-bit gate
    /// (type 4/Ch), or in IA-32e mode only the 16-byte 64-bit gate (type Ch, upper type field 0); gate DPL ≥
    /// CPL and ≥ RPL; present; non-null code selector of a present code segment (64-bit code in IA-32e mode).
    /// The caller applies the JMP or CALL privilege rule.
    /// </summary>
    private CallGate ReadCallGate(ushort selector, ulong raw)
    {
        var error = (uint)(selector & 0xFFFC);
        var type = (int)(raw >> 40) & 0xF;
        var lma = (_efer & ControlBits.EferLma) != 0;
        if (lma ? type != 0xC : type is not (4 or 0xC))
            Throw(ExceptionVector.GeneralProtection, error);
        var dpl = (int)(raw >> 45) & 3;
        if (dpl < Cpl || dpl < (selector & 3))
            Throw(ExceptionVector.GeneralProtection, error);
        if ((raw & (1UL << 47)) == 0)
            Throw(ExceptionVector.SegmentNotPresent, error);
        var target = (raw & 0xFFFF) | (type == 0xC ? ((raw >> 48) & 0xFFFF) << 16 : 0);
        if (lma)
        {
            var limit = (selector & 4) != 0 ? Seg[(int)SegmentRegister.Ldtr].Limit : Gdtr.Limit;
            if ((uint)(selector & ~7) + 15 > limit)
                Throw(ExceptionVector.GeneralProtection, error);
            ReadDescriptor(selector, out var address);
            var upper = ReadSystemLinear(address + 8, 8);
            if (((upper >> 40) & 0x1F) != 0)
                Throw(ExceptionVector.GeneralProtection, error);
            target |= (upper & 0xFFFF_FFFF) << 32;
        }
        var codeSelector = (ushort)(raw >> 16);
        if ((codeSelector & 0xFFFC) == 0)
            Throw(ExceptionVector.GeneralProtection);
        var code = Segment.FromDescriptor(codeSelector, ReadDescriptor(codeSelector, out _));
        var codeError = (uint)(codeSelector & 0xFFFC);
        if (!code.IsCode || (lma && (!code.Long || code.Big)))
            Throw(ExceptionVector.GeneralProtection, codeError);
        if (!code.Present)
            Throw(ExceptionVector.SegmentNotPresent, codeError);
        return new CallGate(codeSelector, code, target, lma ? 8 : type == 0xC ? 4 : 2, lma ? 0 : (int)(raw >> 32) & 0x1F);
    }

    /// <summary>A checked call gate: target CS and its descriptor, entry offset, push width, parameters to copy.</summary>
    private readonly record struct CallGate(ushort CodeSelector, Segment Code, ulong Target, int Size, int Parameters);
}
