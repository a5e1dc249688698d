using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Emulator.X86.Tier2.HostCode;

/// <summary>The guest registers a block keeps in host registers from its entry to its exits.</summary>
internal sealed partial class HostTranslator
{
    /// <summary>Host registers that hold a guest register for the whole block (loaded at entry, stored at the exit): not used by the emission itself.</summary>
    private static readonly Register[] CacheRegisters = [Register.R15, Register.R13, Register.RBP, Register.R11, Register.R10];

    /// <summary>The host register caching each guest register (slot 0–15), or <see cref="Register.None"/>.</summary>
    private readonly Register[] _cache = new Register[16];

    /// <summary>
    /// Caches the guest registers the block's compiled instructions name most often in <see cref="CacheRegisters"/>, so a
    /// chain of dependent instructions passes through host registers rather than through stores and loads of the array
    /// (a store-to-load forwarding each). A register named as AH–BH stays in the array, where its second byte is addressable.
    /// </summary>
    private void ChooseCachedRegisters()
    {
        Span<int> uses = stackalloc int[17];
        foreach (var n in _nodes)
        {
            if (!Supported(in n))
                continue;
            for (var k = 0; k < n.D.I.OpCount; k++)
            {
                if (n.D.I.GetOpKind(k) != OpKind.Register)
                    continue;
                var (slot, shift, _) = X86Cpu.GprInfo(n.D.I.GetOpRegister(k));
                uses[slot] += shift != 0 ? -100_000 : 1;
            }
            if (n.Op is GuestOp.Push or GuestOp.Pop or GuestOp.Call or GuestOp.CallIndirect or GuestOp.Ret or GuestOp.Leave)
                uses[Rsp]++;
            if (n.Op != GuestOp.Nop && (n.D.K0 == OperandKind.Memory || n.D.K1 == OperandKind.Memory))
            {
                uses[n.D.Base]++;
                uses[n.D.Index]++;
            }
        }
        // The most used first, the lower slot first among equals.
        for (var i = 0; i < CacheRegisters.Length; i++)
        {
            var best = -1;
            for (var slot = 0; slot < 16; slot++)
            {
                if (uses[slot] > 0 && _cache[slot] == Register.None && (best < 0 || uses[slot] > uses[best]))
                    best = slot;
            }
            if (best < 0)
                break;
            _cache[best] = CacheRegisters[i];
        }
    }

}
