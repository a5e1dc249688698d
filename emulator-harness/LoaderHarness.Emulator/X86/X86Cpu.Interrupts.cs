using LoaderHarness.Emulator.Core;

namespace LoaderHarness.Emulator.X86;

/// <summary>
/// Exception and interrupt delivery through the IVT (real mode), 32-bit IDT gates and 64-bit IDT gates
/// with IST stacks; the double-fault rules and triple fault (SDM Vol. 3A §6.12–§6.15, §20.1.4).
/// </summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>Delivers a fault raised while executing the instruction at RIP (return address = that instruction).</summary>
    private void DeliverFault(int vector, uint errorCode)
    {
        var first = vector;
        for (var depth = 0; ; depth++)
        {
            try
            {
                Deliver(vector, errorCode, ExceptionVector.HasErrorCode(vector), Rip, software: false);
                return;
            }
            catch (GuestFault second)
            {
                if (vector == ExceptionVector.DoubleFault || depth > 8)
                {
                    Stop(StopReason.TripleFault, $"#{Name(second.Vector)} while delivering #{Name(vector)} (first fault #{Name(first)}, error 0x{errorCode:x}, CR2 0x{Cr2:x})");
                    return;
                }
                var contributory = ExceptionVector.IsContributory(second.Vector);
                var escalate = (ExceptionVector.IsContributory(vector) && contributory)
                    || (vector == ExceptionVector.PageFault && (contributory || second.Vector == ExceptionVector.PageFault));
                (vector, errorCode) = escalate ? (ExceptionVector.DoubleFault, 0u) : (second.Vector, second.ErrorCode);
            }
        }
    }

    /// <summary>INT n, INT3, INTO from a handler: the return address is the next instruction.</summary>
    internal void SoftwareInterrupt(int vector)
    {
        Deliver(vector, 0, false, NextRip, software: true);
    }

    private static string Name(int vector) => vector switch
    {
        0 => "DE",
        1 => "DB",
        3 => "BP",
        4 => "OF",
        5 => "BR",
        6 => "UD",
        7 => "NM",
        8 => "DF",
        10 => "TS",
        11 => "NP",
        12 => "SS",
        13 => "GP",
        14 => "PF",
        16 => "MF",
        17 => "AC",
        _ => vector.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Delivers through the IDT. From CPL 3 the whole delivery runs as implicit supervisor accesses: the IDT,
    /// GDT/LDT and TSS reads are supervisor accesses whatever the CPL (SDM Vol. 3A §4.6.1), and so are the
    /// pushes onto the inner stack the handler's privilege selects (the one case this makes too lenient is
    /// a gate into CPL-3 code, which pushes onto the user stack). The TLB entries filled meanwhile are dropped
    /// by the CPL change, or here when the CPL stays 3.
    /// </summary>
    private void Deliver(int vector, uint errorCode, bool hasError, ulong returnRip, bool software)
    {
        var fromUser = Protected && Cpl == 3;
        _implicitSupervisor = fromUser;
        try
        {
            if (!Protected)
                DeliverReal(vector, returnRip);
            else if ((_efer & ControlBits.EferLma) != 0)
                DeliverLong(vector, errorCode, hasError, returnRip, software);
            else
                DeliverProtected(vector, errorCode, hasError, returnRip, software);
        }
        finally
        {
            _implicitSupervisor = false;
            if (fromUser && Cpl == 3)
                FlushTlb();
        }
    }

    /// <summary>Set while an interrupt or exception from CPL 3 is delivered: page walks check supervisor rights.</summary>
    private bool _implicitSupervisor;

    private void DeliverReal(int vector, ulong returnRip)
    {
        var entry = (ulong)vector * 4;
        if (entry + 3 > Idtr.Limit)
            Throw(ExceptionVector.GeneralProtection);
        var target = ReadLinear((uint)(Idtr.Base + entry), 4);
        var sp = Sp;
        var flags = GetRflags();
        WriteMem((int)SegmentRegister.Ss, (sp - 2) & Mask(StackSize), 2, flags);
        WriteMem((int)SegmentRegister.Ss, (sp - 4) & Mask(StackSize), 2, Seg[(int)SegmentRegister.Cs].Selector);
        WriteMem((int)SegmentRegister.Ss, (sp - 6) & Mask(StackSize), 2, returnRip);
        SetSp(sp - 6);
        FlagsRest &= ~(FlagBits.IF | FlagBits.TF | FlagBits.AC | FlagBits.RF);
        LoadCodeSegment((ushort)(target >> 16), 0);
        Rip = NextRip = (ushort)target;
    }

    private void DeliverProtected(int vector, uint errorCode, bool hasError, ulong returnRip, bool software)
    {
        var idtError = (uint)(vector * 8 + 2);
        if ((ulong)vector * 8 + 7 > Idtr.Limit)
            Throw(ExceptionVector.GeneralProtection, idtError);
        var gate = ReadLinear((uint)(Idtr.Base + (ulong)vector * 8), 8);
        var type = (int)(gate >> 40) & 0x1F;
        var is32 = type is 0x0E or 0x0F;
        if (type is not (0x0E or 0x0F or 0x06 or 0x07))
            Throw(ExceptionVector.GeneralProtection, idtError);
        if (software && (int)((gate >> 45) & 3) < Cpl)
            Throw(ExceptionVector.GeneralProtection, idtError);
        if ((gate & (1UL << 47)) == 0)
            Throw(ExceptionVector.SegmentNotPresent, idtError);
        var selector = (ushort)(gate >> 16);
        var offset = (gate & 0xFFFF) | (is32 ? ((gate >> 48) & 0xFFFF) << 16 : 0);
        var raw = ReadDescriptor(selector, out _);
        var code = Segment.FromDescriptor(selector, raw);
        if (!code.IsCode || (selector & 0xFFFC) == 0)
            Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));
        if (!code.Present)
            Throw(ExceptionVector.SegmentNotPresent, (uint)(selector & 0xFFFC));
        var newCpl = (code.Type & 4) != 0 ? Cpl : code.Dpl;
        if (newCpl > Cpl)
            Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));

        var size = is32 ? 4 : 2;
        var flags = GetRflags();
        var oldCs = Seg[(int)SegmentRegister.Cs].Selector;
        var oldSs = Seg[(int)SegmentRegister.Ss].Selector;
        var oldSp = Sp;
        if (newCpl < Cpl)
        {
            // Inner-ring stack from the 32-bit TSS: ESPn at 4 + 8n, SSn at 8 + 8n (SDM Vol. 3A Figure 7-2).
            ref var tr = ref Seg[(int)SegmentRegister.Tr];
            var tssEsp = ReadLinear((uint)(tr.Base + 4 + (ulong)newCpl * 8), 4);
            var tssSs = (ushort)ReadLinear((uint)(tr.Base + 8 + (ulong)newCpl * 8), 2);
            LoadStackSegmentForCpl(tssSs, newCpl);
            SetSp(tssEsp);
            PushFrame(size, oldSs);
            PushFrame(size, oldSp);
        }
        PushFrame(size, flags);
        PushFrame(size, oldCs);
        PushFrame(size, returnRip);
        if (hasError)
            PushFrame(size, errorCode);
        FlagsRest &= ~(FlagBits.TF | FlagBits.NT | FlagBits.VM | FlagBits.RF);
        if ((type & 1) == 0)
            FlagsRest &= ~FlagBits.IF;
        LoadCodeSegment(selector, newCpl);
        Rip = NextRip = offset;
    }

    private void PushFrame(int size, ulong value) => Push(value, size);

    private void DeliverLong(int vector, uint errorCode, bool hasError, ulong returnRip, bool software)
    {
        var idtError = (uint)(vector * 8 + 2);
        if ((ulong)vector * 16 + 15 > Idtr.Limit)
            Throw(ExceptionVector.GeneralProtection, idtError);
        var low = ReadLinear(Idtr.Base + (ulong)vector * 16, 8);
        var high = ReadLinear(Idtr.Base + (ulong)vector * 16 + 8, 8);
        var type = (int)(low >> 40) & 0x1F;
        if (type is not (0x0E or 0x0F))
            Throw(ExceptionVector.GeneralProtection, idtError);
        if (software && (int)((low >> 45) & 3) < Cpl)
            Throw(ExceptionVector.GeneralProtection, idtError);
        if ((low & (1UL << 47)) == 0)
            Throw(ExceptionVector.SegmentNotPresent, idtError);
        var selector = (ushort)(low >> 16);
        var offset = (low & 0xFFFF) | (((low >> 48) & 0xFFFF) << 16) | ((high & 0xFFFF_FFFF) << 32);
        var ist = (int)(low >> 32) & 7;
        var raw = ReadDescriptor(selector, out _);
        var code = Segment.FromDescriptor(selector, raw);
        if (!code.IsCode || !code.Long || code.Big || (selector & 0xFFFC) == 0)
            Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));
        if (!code.Present)
            Throw(ExceptionVector.SegmentNotPresent, (uint)(selector & 0xFFFC));
        var newCpl = (code.Type & 4) != 0 ? Cpl : code.Dpl;
        if (newCpl > Cpl)
            Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));

        // 64-bit TSS: RSPn at 4 + 8n, ISTn at 0x24 + 8(n − 1) (SDM Vol. 3A Figure 8-11).
        ref var tr = ref Seg[(int)SegmentRegister.Tr];
        var rsp = R[4];
        if (ist != 0)
            rsp = ReadLinear(tr.Base + 0x24 + (ulong)(ist - 1) * 8, 8);
        else if (newCpl < Cpl)
            rsp = ReadLinear(tr.Base + 4 + (ulong)newCpl * 8, 8);
        rsp &= ~0xFUL;
        if (!IsCanonical(rsp))
            Throw(ExceptionVector.StackFault);
        var ss = Seg[(int)SegmentRegister.Ss].Selector;
        var frame = hasError ? 6 : 5;
        var top = rsp - (ulong)frame * 8;
        var values = (stackalloc ulong[] { errorCode, returnRip, Seg[(int)SegmentRegister.Cs].Selector, GetRflags(), R[4], ss });
        for (var i = 0; i < frame; i++)
            WriteLinear(top + (ulong)i * 8, 8, values[i + (hasError ? 0 : 1)]);
        R[4] = top;
        if (newCpl < Cpl)
            Seg[(int)SegmentRegister.Ss] = new Segment(newCpl == 0 ? (ushort)0 : (ushort)newCpl, 0, 0, (ushort)(Segment.UnusableBit | (newCpl << 5)));
        FlagsRest &= ~(FlagBits.TF | FlagBits.NT | FlagBits.VM | FlagBits.RF);
        if ((type & 1) == 0)
            FlagsRest &= ~FlagBits.IF;
        LoadCodeSegment(selector, newCpl);
        Rip = NextRip = offset;
    }
}
