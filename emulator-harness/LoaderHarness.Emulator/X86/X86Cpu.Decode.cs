using System.Numerics;
using Iced.Intel;

namespace LoaderHarness.Emulator.X86;

/// <summary>Decode-to-entry conversion: what a handler needs, precomputed once from Iced's decoding.</summary>
public sealed unsafe partial class X86Cpu
{
    /// <summary>Fills the cache entry <paramref name="d"/> from Iced's decoding of the instruction at <paramref name="linear"/> (prefixes from the reader's bytes).</summary>
    private void Fill(ref DecodedInstruction d, in Instruction instruction, ulong linear)
    {
        d.I = instruction;
        d.I.NextIP = instruction.NextIP & _ipMask;
        bool p66 = false, p67 = false, rexW = false;
        for (var n = 0; n < _reader.Count; n++)
        {
            var b = _reader.Bytes[n];
            if (b == 0x66)
                p66 = true;
            else if (b == 0x67)
                p67 = true;
            else if (b is 0xF0 or 0xF2 or 0xF3 or 0x26 or 0x2E or 0x36 or 0x3E or 0x64 or 0x65)
                rexW = false;
            else if (Bitness == 64 && (b & 0xF0) == 0x40)
                rexW = (b & 8) != 0;
            else
                break;
        }
        d.OpAttr = (byte)(Bitness switch
        {
            64 => rexW ? 8 : p66 ? 2 : 4,
            32 => p66 ? 2 : 4,
            _ => p66 ? 4 : 2,
        });
        d.AddrSize = (byte)(Bitness switch
        {
            64 => p67 ? 4 : 8,
            32 => p67 ? 2 : 4,
            _ => p67 ? 4 : 2,
        });
        d.AddrMask = Mask(d.AddrSize);
        d.MemSize = 0;
        d.Seg = (byte)SegmentRegister.Ds;
        for (var n = 0; n < instruction.OpCount; n++)
        {
            var k = instruction.GetOpKind(n);
            if (k is OpKind.Memory or OpKind.MemorySegSI or OpKind.MemorySegESI or OpKind.MemorySegRSI
                or OpKind.MemoryESDI or OpKind.MemoryESEDI or OpKind.MemoryESRDI)
            {
                d.MemSize = (byte)Math.Min(instruction.MemorySize.GetSize(), 255);
                if (k is not (OpKind.MemoryESDI or OpKind.MemoryESEDI or OpKind.MemoryESRDI))
                    d.Seg = (byte)(instruction.MemorySegment - Register.ES);
                break;
            }
        }
        d.OpSize = instruction.Op0Kind switch
        {
            OpKind.Register when RegisterSize(instruction.Op0Register) != 0 => (byte)RegisterSize(instruction.Op0Register),
            OpKind.Memory when d.MemSize is 1 or 2 or 4 or 8 => d.MemSize,
            _ => d.OpAttr,
        };
        d.Imm = instruction.OpCount > 1 && instruction.Op1Kind is >= OpKind.Immediate8 and <= OpKind.Immediate32to64
            ? instruction.GetImmediate(1) & Mask(d.OpSize)
            : 0;
        d.NextIP = d.I.NextIP;
        d.Base = RegSlot[(int)instruction.MemoryBase];
        d.Index = RegSlot[(int)instruction.MemoryIndex];
        d.ScaleShift = (byte)BitOperations.Log2((uint)Math.Max(instruction.MemoryIndexScale, 1));
        d.Disp = instruction.MemoryDisplacement64;
        d.Target = instruction.Op0Kind is OpKind.NearBranch16 or OpKind.NearBranch32 or OpKind.NearBranch64 ? instruction.NearBranchTarget : 0;
        d.Cc = (byte)instruction.ConditionCode;
        d.K0 = Describe(in instruction, 0, d.OpSize, out d.R0, out d.Sh0, out d.M0, out d.Keep0);
        d.K1 = Describe(in instruction, 1, d.OpSize, out d.R1, out d.Sh1, out d.M1, out _);
        d.NextAt = d.TargetAt = 0;
        d.Handler = DispatchTable.Select(ref d, Bitness);
        d.Fusion = OperandForms.FusionOf(ref d, Bitness);
        d.Breakpoint = _run.IsStopPoint(linear);
    }

    /// <summary>Classifies operand <paramref name="n"/>; for a GPR, its slot, the shift and value mask of its width and the bits a write keeps.</summary>
    private static OperandKind Describe(in Instruction instruction, int n, int opSize, out byte slot, out byte shift, out ulong mask, out ulong keep)
    {
        slot = 16;
        shift = 0;
        mask = Mask(opSize);
        keep = 0;
        if (n >= instruction.OpCount)
            return OperandKind.None;
        switch (instruction.GetOpKind(n))
        {
            case OpKind.Register:
                var r = instruction.GetOpRegister(n);
                var width = RegWidth[(int)r];
                if (width == 0)
                    return OperandKind.OtherRegister;
                slot = RegSlot[(int)r];
                (shift, mask, keep) = width switch
                {
                    8 => ((byte)0, ulong.MaxValue, 0UL),
                    4 => ((byte)0, 0xFFFF_FFFFUL, 0UL),
                    2 => ((byte)0, 0xFFFFUL, ~0xFFFFUL),
                    1 => ((byte)0, 0xFFUL, ~0xFFUL),
                    _ => ((byte)8, 0xFFUL, ~0xFF00UL),
                };
                return OperandKind.Gpr;
            case OpKind.Memory:
                return OperandKind.Memory;
            case >= OpKind.Immediate8 and <= OpKind.Immediate32to64:
                return OperandKind.Immediate;
            default:
                return OperandKind.None;
        }
    }
}
