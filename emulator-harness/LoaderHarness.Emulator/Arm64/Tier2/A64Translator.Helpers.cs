using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace LoaderHarness.Emulator.Arm64.Tier2;

/// <summary>
/// Instructions a block runs through their interpreter handler (<see cref="A64Op.Helper"/>): DC ZVA, the exclusives,
/// CLREX, DC/IC maintenance and MSR of DAIF. Ending a block at each of them cost a return to the run loop, the
/// interpreter and a new block entry per execution (the kernel's clear_page loop runs DC ZVA, its atomics LDAXR and
/// STXR, local_irq_restore MSR DAIF). The call sits where a TLB miss would: after an exact spill, so a fault, a watch
/// or a device sees the interpreter's state; the registers the handler writes are loaded back after it, and the run's
/// limit is checked as after any slow path (a store into compiled code, an unmasked pending interrupt).
/// </summary>
internal sealed unsafe partial class A64Translator
{
    private static readonly FieldInfo NextPcField = typeof(Arm64Cpu).GetField(nameof(Arm64Cpu.NextPc), BindingFlags.Instance | BindingFlags.NonPublic)!;
    private static readonly Type[] HandlerParameters = [typeof(Arm64Cpu), typeof(A64Instruction).MakeByRefType()];

    /// <summary>The decoded instructions the helper calls receive, on the pinned object heap so the IL embeds their addresses; the compiled block keeps them alive.</summary>
    private A64Instruction[]? _helpers;
    private int _helperCount;

    /// <summary>Allocates the pinned copies of the block's helper instructions.</summary>
    private void PrepareHelpers()
    {
        var count = 0;
        foreach (var n in _nodes)
            if (n.Op == A64Op.Helper)
                count++;
        if (count != 0)
            _helpers = GC.AllocateArray<A64Instruction>(count, pinned: true);
    }

    /// <summary>The exclusive loads and stores write registers (the loaded values, the status); the other helpers write none.</summary>
    private static bool HelperWritesRegisters(in A64Instruction d)
        => (nint)d.Handler == (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadExclusive
            || (nint)d.Handler == (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StoreExclusive
            || (nint)d.Handler == (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.LoadExclusivePair
            || (nint)d.Handler == (nint)(delegate*<Arm64Cpu, ref A64Instruction, void>)&LoadStore.StoreExclusivePair;

    /// <summary>Marks what a helper may write: the destination, status and second register slots of an exclusive.</summary>
    private void MarkHelperWrites(in A64Instruction d)
    {
        if (HelperWritesRegisters(in d))
            _written[d.Rd] = _written[d.Rm] = _written[d.Ra] = true;
    }

    /// <summary>Spill, NextPc as the run loop sets it, the handler on its pinned copy, then the registers it may have written back into locals.</summary>
    private void EmitHelper(in A64Node node)
    {
        ref readonly var d = ref node.D;
        ref var copy = ref _helpers![_helperCount++];
        copy = d;
        EmitSpill(node.Pc, node.OwnBlockLength - node.IndexInBlock);
        _il.Emit(OpCodes.Ldarg_0);
        LdConst(node.Pc + 4);
        _il.Emit(OpCodes.Stfld, NextPcField);
        _il.Emit(OpCodes.Ldarg_0);
        _il.Emit(OpCodes.Ldc_I8, (long)Unsafe.AsPointer(ref copy));
        _il.Emit(OpCodes.Conv_U);
        _il.Emit(OpCodes.Ldc_I8, (long)(nint)d.Handler);
        _il.Emit(OpCodes.Conv_I);
        _il.EmitCalli(OpCodes.Calli, CallingConventions.Standard, typeof(void), HandlerParameters, null);
        if (!HelperWritesRegisters(in d))
            return;
        ReloadRegister(d.Rd);
        ReloadRegister(d.Rm);
        ReloadRegister(d.Ra);
    }

    private void ReloadRegister(int slot)
    {
        if (slot is Arm64Cpu.Zr or Arm64Cpu.Discard)
            return;
        RegisterAddress(slot);
        _il.Emit(OpCodes.Ldind_I8);
        StReg(slot);
    }
}
