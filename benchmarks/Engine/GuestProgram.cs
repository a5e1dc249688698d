using Iced.Intel;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Benchmarks.Engine;

/// <summary>
/// 64-bit guest code for the engine benchmarks, assembled by Iced at <see cref="GuestLayout.CodeBase"/> and
/// ending in HLT. <see cref="Instructions"/> is what this engine retires per run (REP MOVSB counts once, HLT
/// included); the benchmarks check it against the engine before measuring. Unicorn runs the same bytes
/// until the HLT.
/// </summary>
internal sealed class GuestProgram
{
    private GuestProgram(byte[] code, ulong instructions, ulong bytesCopied)
    {
        Code = code;
        Instructions = instructions;
        BytesCopied = bytesCopied;
    }

    /// <summary>Machine code placed at <see cref="GuestLayout.CodeBase"/>.</summary>
    public byte[] Code { get; }

    /// <summary>Address of the final HLT.</summary>
    public ulong End => GuestLayout.CodeBase + (ulong)Code.Length - 1;

    /// <summary>Instructions retired per run.</summary>
    public ulong Instructions { get; }

    /// <summary>Guest bytes copied per run (0 for workloads that do not copy).</summary>
    public ulong BytesCopied { get; }

    /// <summary>
    /// The program of <paramref name="workload"/>; <paramref name="hooked"/> runs are shorter (every instruction
    /// calls back into .NET). REP MOVSB stays short: QEMU runs it one element per translation-block exit.
    /// </summary>
    public static GuestProgram For(EngineWorkload workload, bool hooked) => workload switch
    {
        EngineWorkload.IntegerLoop => IntegerLoop(hooked ? 200_000 : 2_000_000),
        EngineWorkload.RepMovs => RepMovs(hooked ? 1 : 4),
        EngineWorkload.ByteCopy => ByteCopy(hooked ? 1 : 8),
        EngineWorkload.Paging => Paging(hooked ? 16 : 64),
        EngineWorkload.CallRet => CallRet(hooked ? 100_000 : 1_000_000),
        _ => throw new ArgumentOutOfRangeException(nameof(workload)),
    };

    /// <summary><see cref="EngineWorkload.IntegerLoop"/> with <paramref name="iterations"/> passes (the QEMU baseline runs more of them).</summary>
    public static GuestProgram IntegerLoopOf(int iterations) => IntegerLoop(iterations);

    /// <summary><see cref="EngineWorkload.ByteCopy"/> with <paramref name="passes"/> passes (the QEMU baseline runs more of them) into <paramref name="destination"/>.</summary>
    public static GuestProgram ByteCopyOf(int passes, ulong destination) => ByteCopy(passes, destination);

    private static GuestProgram IntegerLoop(int iterations)
    {
        var a = new Assembler(64);
        var top = a.CreateLabel();
        a.mov(ecx, iterations);
        a.Label(ref top);
        a.add(rax, rcx);
        a.xor(rdx, rax);
        a.lea(rbx, __[rbx + rdx + 1]);
        a.sub(rsi, rbx);
        a.dec(rcx);
        a.jnz(top);
        a.hlt();
        return new GuestProgram(Assemble(a), 6UL * (ulong)iterations + 2, 0);
    }

    private static GuestProgram RepMovs(int passes)
    {
        var a = new Assembler(64);
        var top = a.CreateLabel();
        a.mov(ebx, passes);
        a.Label(ref top);
        a.mov(esi, (uint)GuestLayout.Source);
        a.mov(edi, (uint)GuestLayout.Destination);
        a.mov(ecx, GuestLayout.CopyBytes);
        a.rep.movsb();
        a.dec(ebx);
        a.jnz(top);
        a.mov(rax, __qword_ptr[rdi - 8]);
        a.hlt();
        return new GuestProgram(Assemble(a), 6UL * (ulong)passes + 3, (ulong)passes * GuestLayout.CopyBytes);
    }

    private static GuestProgram ByteCopy(int passes, ulong destination = GuestLayout.Destination)
    {
        var a = new Assembler(64);
        var outer = a.CreateLabel();
        var inner = a.CreateLabel();
        a.mov(ebx, passes);
        a.Label(ref outer);
        a.mov(esi, (uint)GuestLayout.Source);
        a.mov(edi, (uint)destination);
        a.mov(ecx, GuestLayout.CopyBytes);
        a.Label(ref inner);
        a.mov(al, __byte_ptr[rsi]);
        a.mov(__byte_ptr[rdi], al);
        a.inc(rsi);
        a.inc(rdi);
        a.dec(ecx);
        a.jnz(inner);
        a.dec(ebx);
        a.jnz(outer);
        a.mov(rax, __qword_ptr[rdi - 8]);
        a.hlt();
        var perPass = 3 + 6UL * GuestLayout.CopyBytes + 2;
        return new GuestProgram(Assemble(a), perPass * (ulong)passes + 3, (ulong)passes * GuestLayout.CopyBytes);
    }

    private static GuestProgram Paging(int passes)
    {
        var a = new Assembler(64);
        var outer = a.CreateLabel();
        var inner = a.CreateLabel();
        a.mov(r8d, passes);
        a.Label(ref outer);
        a.mov(esi, (uint)GuestLayout.PagingBase);
        a.mov(ecx, GuestLayout.PagingPages);
        a.Label(ref inner);
        a.mov(rax, __qword_ptr[rsi]);
        a.add(rdx, rax);
        a.mov(__qword_ptr[rsi + 8], rdx);
        a.add(rsi, 4096);
        a.dec(ecx);
        a.jnz(inner);
        a.dec(r8d);
        a.jnz(outer);
        a.mov(rax, rdx);
        a.hlt();
        var perPass = 2 + 6UL * GuestLayout.PagingPages + 2;
        return new GuestProgram(Assemble(a), perPass * (ulong)passes + 3, 0);
    }

    private static GuestProgram CallRet(int iterations)
    {
        var a = new Assembler(64);
        var start = a.CreateLabel();
        var top = a.CreateLabel();
        var f = a.CreateLabel();
        var g = a.CreateLabel();
        a.jmp(start); // the callees come first so that HLT stays last (Unicorn runs "until" it)
        a.Label(ref f);
        a.call(g);
        a.ret();
        a.Label(ref g);
        a.add(rax, rcx);
        a.ret();
        a.Label(ref start);
        a.mov(ecx, iterations);
        a.Label(ref top);
        a.call(f);
        a.dec(ecx);
        a.jnz(top);
        a.hlt();
        return new GuestProgram(Assemble(a), 7UL * (ulong)iterations + 3, 0);
    }

    /// <summary>
    /// <paramref name="count"/> distinct straight-line instructions, each executed once per run (kernel entry
    /// code): register and memory ALU operations, LEA, shifts, MOVZX, IMUL, SETcc, and every few instructions
    /// a CMP + Jcc to the next instruction (taken or not, both continue in line).
    /// </summary>
    public static GuestProgram Cold(int count = 6000)
    {
        var rng = new Random(6);
        AssemblerRegister64[] pool = [rax, rbx, rcx, rdx, rsi, rdi, r8, r9, r10, r11, r12, r13, r14, r15];
        AssemblerRegister32[] pool32 = [eax, ebx, ecx, edx, esi, edi, r8d, r9d, r10d, r11d, r12d, r13d, r14d, r15d];
        AssemblerRegister8[] pool8 = [al, bl, cl, dl, sil, dil, r8b, r9b, r10b, r11b, r12b, r13b, r14b, r15b];
        var a = new Assembler(64);
        a.mov(ebp, (uint)GuestLayout.Source);
        for (var i = 1; i < count - 1; i++)
        {
            var n = rng.Next(pool.Length);
            var r = pool[n];
            var s = pool[rng.Next(pool.Length)];
            var disp = rng.Next(0, 4000) & ~7;
            switch (rng.Next(14))
            {
                case 0: a.mov(pool32[n], rng.Next()); break;
                case 1: a.add(r, s); break;
                case 2: a.sub(r, rng.Next(-100_000, 100_000)); break;
                case 3: a.xor(r, s); break;
                case 4: a.and(pool32[n], rng.Next()); break;
                case 5: a.or(r, s); break;
                case 6: a.lea(r, __[s + r * 4 + disp]); break;
                case 7: a.mov(r, __qword_ptr[rbp + disp]); break;
                case 8: a.mov(__qword_ptr[rbp + disp], r); break;
                case 9: a.shl(r, (byte)rng.Next(1, 63)); break;
                case 10: a.movzx(pool32[n], __byte_ptr[rbp + disp]); break;
                case 11: a.imul(r, s); break;
                case 12: a.test(r, s); a.setne(pool8[n]); i++; break;
                default:
                    {
                        var next = a.CreateLabel();
                        a.cmp(r, s);
                        a.jb(next);
                        a.Label(ref next);
                        i++;
                        break;
                    }
            }
        }
        a.hlt();
        return new GuestProgram(Assemble(a), (ulong)a.Instructions.Count, 0);
    }

    private static byte[] Assemble(Assembler a)
    {
        using var stream = new MemoryStream();
        a.Assemble(new StreamCodeWriter(stream), GuestLayout.CodeBase);
        return stream.ToArray();
    }
}
