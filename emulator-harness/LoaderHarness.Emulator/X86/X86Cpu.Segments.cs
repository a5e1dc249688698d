namespace LoaderHarness.Emulator.X86;

/// <summary>Segment-register loads from the GDT/LDT with the protected-mode checks (SDM Vol. 3A §5.4–§5.8).</summary>
public sealed partial class X86Cpu
{
    internal bool Protected => (_cr0 & ControlBits.Cr0Pe) != 0 && !InVirtual8086;

    /// <summary>Reads the 8-byte descriptor <paramref name="selector"/> names; #GP(selector) if outside its table.</summary>
    internal ulong ReadDescriptor(ushort selector, out ulong address)
    {
        ulong tableBase;
        uint limit;
        if ((selector & 4) != 0)
        {
            ref var ldt = ref Seg[(int)SegmentRegister.Ldtr];
            if (ldt.Unusable || ldt.Selector == 0)
                Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));
            tableBase = ldt.Base;
            limit = ldt.Limit;
        }
        else
        {
            tableBase = Gdtr.Base;
            limit = Gdtr.Limit;
        }
        var index = (uint)(selector & ~7);
        if (index + 7 > limit)
            Throw(ExceptionVector.GeneralProtection, (uint)(selector & 0xFFFC));
        address = WrapLinear(tableBase + index);
        return ReadSystemLinear(address, 8);
    }

    /// <summary>
    /// Reads the 8-byte descriptor <paramref name="selector"/> names, or returns false when the selector is
    /// null or lies outside its table (or names an unusable LDT): LAR, LSL, VERR and VERW report that in ZF
    /// instead of faulting.
    /// </summary>
    internal bool TryReadDescriptor(ushort selector, out ulong raw)
    {
        raw = 0;
        ulong tableBase;
        uint limit;
        if ((selector & 4) != 0)
        {
            ref var ldt = ref Seg[(int)SegmentRegister.Ldtr];
            if (ldt.Unusable || ldt.Selector == 0)
                return false;
            (tableBase, limit) = (ldt.Base, ldt.Limit);
        }
        else
        {
            if ((selector & 0xFFFC) == 0)
                return false;
            (tableBase, limit) = (Gdtr.Base, Gdtr.Limit);
        }
        var index = (uint)(selector & ~7);
        if (index + 7 > limit)
            return false;
        raw = ReadSystemLinear(WrapLinear(tableBase + index), 8);
        return true;
    }

    /// <summary>Sets the descriptor's accessed bit, as the CPU does on every successful load.</summary>
    private void MarkAccessed(ulong address, ulong raw)
    {
        if ((raw & (1UL << 40)) == 0)
            WriteSystemLinear(address + 5, 1, (raw >> 40) | 1);
    }

    /// <summary>MOV/POP to DS, ES, FS, GS or SS, and LDS-family loads.</summary>
    internal void LoadSegment(int seg, ushort selector)
    {
        if (!Protected)
        {
            Seg[seg] = Seg[seg] with { Selector = selector, Base = (ulong)selector << 4 };
            if (InVirtual8086)
                Seg[seg] = Seg[seg] with { Limit = 0xFFFF, Attributes = (ushort)(seg == 1 ? 0xFB : 0xF3) };
            UpdateMode();
            return;
        }
        var error = (uint)(selector & 0xFFFC);
        if ((selector & 0xFFFC) == 0)
        {
            if (seg == (int)SegmentRegister.Ss && !(Mode64 && Cpl != 3))
                Throw(ExceptionVector.GeneralProtection);
            Seg[seg] = new Segment(selector, 0, 0, (ushort)(Segment.UnusableBit | (seg == (int)SegmentRegister.Ss ? Cpl << 5 : 0)));
            UpdateMode();
            return;
        }
        var raw = ReadDescriptor(selector, out var address);
        var d = Segment.FromDescriptor(selector, raw);
        var rpl = selector & 3;
        if (seg == (int)SegmentRegister.Ss)
        {
            if (rpl != Cpl || d.Dpl != Cpl || !d.IsCodeOrData || d.IsCode || (d.Type & 2) == 0)
                Throw(ExceptionVector.GeneralProtection, error);
            if (!d.Present)
                Throw(ExceptionVector.StackFault, error);
        }
        else
        {
            if (!d.IsCodeOrData || (d.IsCode && (d.Type & 2) == 0))
                Throw(ExceptionVector.GeneralProtection, error);
            var conformingCode = d.IsCode && (d.Type & 4) != 0;
            if (!conformingCode && Math.Max(Cpl, rpl) > d.Dpl)
                Throw(ExceptionVector.GeneralProtection, error);
            if (!d.Present)
                Throw(ExceptionVector.SegmentNotPresent, error);
        }
        MarkAccessed(address, raw);
        Seg[seg] = d with { Attributes = (ushort)(d.Attributes | 1) };
        UpdateMode();
    }

    /// <summary>
    /// Loads CS for a far JMP/CALL/RET or IRET to a code segment at privilege <paramref name="newCpl"/>
    /// (call gates and task switches are not supported and raise #GP).
    /// </summary>
    internal void LoadCodeSegment(ushort selector, int newCpl)
    {
        if (!Protected)
        {
            Seg[(int)SegmentRegister.Cs] = Seg[(int)SegmentRegister.Cs] with { Selector = selector, Base = (ulong)selector << 4 };
            UpdateMode();
            return;
        }
        var error = (uint)(selector & 0xFFFC);
        if (error == 0)
            Throw(ExceptionVector.GeneralProtection);
        var raw = ReadDescriptor(selector, out var address);
        var d = Segment.FromDescriptor(selector, raw);
        if (!d.IsCode)
            Throw(ExceptionVector.GeneralProtection, error);
        var conforming = (d.Type & 4) != 0;
        if (conforming ? d.Dpl > newCpl : d.Dpl != newCpl)
            Throw(ExceptionVector.GeneralProtection, error);
        if (!d.Present)
            Throw(ExceptionVector.SegmentNotPresent, error);
        if (d.Long && d.Big && (_efer & ControlBits.EferLma) != 0)
            Throw(ExceptionVector.GeneralProtection, error);
        MarkAccessed(address, raw);
        Seg[(int)SegmentRegister.Cs] = d with
        {
            Selector = (ushort)((selector & ~3) | newCpl),
            Attributes = (ushort)(d.Attributes | 1),
        };
        UpdateMode();
    }

    /// <summary>Loads SS for a privilege change (interrupt to inner ring, return to outer ring).</summary>
    internal void LoadStackSegmentForCpl(ushort selector, int cpl)
    {
        if ((selector & 0xFFFC) == 0 && (_efer & ControlBits.EferLma) != 0)
        {
            Seg[(int)SegmentRegister.Ss] = new Segment((ushort)((selector & ~3) | cpl), 0, 0, (ushort)(Segment.UnusableBit | (cpl << 5)));
            UpdateMode();
            return;
        }
        var raw = ReadDescriptor(selector, out var address);
        var d = Segment.FromDescriptor(selector, raw);
        if (d.IsCode || !d.IsCodeOrData || (d.Type & 2) == 0 || d.Dpl != cpl || (selector & 3) != cpl)
            Throw(ExceptionVector.InvalidTss, (uint)(selector & 0xFFFC));
        if (!d.Present)
            Throw(ExceptionVector.StackFault, (uint)(selector & 0xFFFC));
        MarkAccessed(address, raw);
        Seg[(int)SegmentRegister.Ss] = d with { Attributes = (ushort)(d.Attributes | 1) };
        UpdateMode();
    }

    /// <summary>LLDT and LTR: system descriptors, 16 bytes in long mode (SDM Vol. 3A §7.2.3, §3.5).</summary>
    internal void LoadSystemSegment(SegmentRegister which, ushort selector)
    {
        var error = (uint)(selector & 0xFFFC);
        if (error == 0)
        {
            if (which == SegmentRegister.Tr)
                Throw(ExceptionVector.GeneralProtection);
            Seg[(int)which] = new Segment(selector, 0, 0, Segment.UnusableBit);
            return;
        }
        if ((selector & 4) != 0)
            Throw(ExceptionVector.GeneralProtection, error);
        var raw = ReadDescriptor(selector, out var address);
        var d = Segment.FromDescriptor(selector, raw);
        var wanted = which == SegmentRegister.Ldtr ? d.Type == 2 : d.Type is 1 or 9;
        if (d.IsCodeOrData || !wanted)
            Throw(ExceptionVector.GeneralProtection, error);
        if (!d.Present)
            Throw(ExceptionVector.SegmentNotPresent, error);
        if ((_efer & ControlBits.EferLma) != 0)
            d = d with { Base = d.Base | (ReadLinear(address + 8, 4) << 32) };
        if (which == SegmentRegister.Tr)
        {
            WriteLinear(address + 5, 1, (raw >> 40) | 2); // mark busy
            d = d with { Attributes = (ushort)(d.Attributes | 2) };
        }
        Seg[(int)which] = d;
    }
}
