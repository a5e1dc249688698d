using Iced.Intel;
using LoaderHarness.Emulator.Core;
using LoaderHarness.Emulator.Core.HostCode;
using LoaderHarness.Emulator.X86;
using LoaderHarness.Emulator.X86.Tier2.HostCode;
using NUnit.Framework;
using Shouldly;
using static Iced.Intel.AssemblerRegisters;

namespace LoaderHarness.Tests.Emulator.X86.Tier2.HostCode;

/// <summary>
/// The host-code back end against the interpreter on seeded random loops: the same registers, RFLAGS, RIP, instruction
/// count, stop and memory at the end, at budgets that end inside the loop, and in slices of many lengths. One generator
/// is the IL tier's (<see cref="RandomProgram"/>, whose instructions the back end mostly leaves to the interpreter),
/// the other draws only forms it compiles, with short branches inside the loop. A failure names the seed and the body.
/// </summary>
[TestFixture]
[Category("Differential")]
public class HostCodeTests
{
    private const ulong Origin = 0x1000;
    private const ulong BodyStart = Origin + 11; // after MOV DWORD [Counter], imm32
    private const ulong Counter = 0x5000;
    private const ulong DataBase = 0x2000;
    private const ulong StackTop = 0x3800;

    /// <summary>A function the compiled forms call: it reads and writes the stack and returns.</summary>
    private const ulong Function = 0x1800;

    /// <summary>FS's base, and GS's its negation: an FS or GS operand at [RBP + disp] lands this far above or below DataBase + disp.</summary>
    private const ulong SegmentShift = 0x40;

    [SetUp]
    public void OnlyWhereHostCodeRuns()
    {
        if (!ExecutableCode.IsSupported)
            Assert.Ignore("host code runs only on Linux x86-64");
    }

    [Test]
    public void Random_programs_agree_with_the_interpreter()
    {
        for (var seed = 1; seed <= 300; seed++)
        {
            var rng = new Random(seed);
            var (body, _, listing) = RandomProgram.Generate(rng, 64, BodyStart, 24);
            RunOne(rng, body, listing, seed, iterations: 12);
        }
    }

    [Test]
    public void Random_compiled_forms_agree_with_the_interpreter()
    {
        for (var seed = 1; seed <= 400; seed++)
        {
            var rng = new Random(seed);
            var (body, listing) = CompiledForms(rng, BodyStart, 32);
            RunOne(rng, body, listing, seed, iterations: 40);
        }
    }

    /// <summary>A loop compiles whole, and so does a loop around a CALL, the callee and its RET (predicted back into the block) with it.</summary>
    [TestCase(false)]
    [TestCase(true)]
    public void A_loop_compiles_whole(bool callInLoop)
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            var function = a.CreateLabel();
            a.mov(ecx, 100);
            a.Label(ref top);
            a.add(eax, ecx);
            if (callInLoop)
                a.call(function);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
            a.Label(ref function);
            a.push(rcx);
            a.pop(rdx);
            a.ret();
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Interpreted.ShouldBeLessThan(50); // 100 passes of 3 or 8 instructions, all but the first few compiled
    }

    /// <summary>
    /// A callee that became a block of its own first (called indirectly, which no block follows, and longer than a block
    /// takes in, <c>TierPolicy.InlinedBlockLimit</c>) returns from its RET into its direct caller's host code, at the
    /// caller's return entry, rather than to the interpreter: the return site is never a hot entry of its own. The state
    /// and the count agree with the interpreter's, in one run and in slices that leave the blocks anywhere.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void A_callee_returns_into_its_callers_host_code(bool inSlices)
    {
        using var pair = HostCodePair(a =>
        {
            var warm = a.CreateLabel();
            var top = a.CreateLabel();
            var skip = a.CreateLabel();
            var callee = a.CreateLabel();
            a.lea(rsi, __[callee]);
            a.mov(ecx, 60);
            a.Label(ref warm);
            a.call(rsi);
            a.dec(ecx);
            a.jne(warm);
            a.mov(ecx, 400);
            a.Label(ref top);
            a.test(cl, 3);
            a.jnz(skip); // a call every fourth pass: the loop's head is hot long before its return site would be
            a.call(callee);
            a.add(r8, rax); // the return site
            a.xor(r9, r8);
            a.Label(ref skip);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
            a.Label(ref callee);
            for (var i = 0; i < 30; i++)
                a.lea(rax, __[rax + rcx * 2 + i]);
            a.ret();
        });
        pair.Tiered.Cpu.CompileThreshold = 50;
        if (inSlices)
        {
            pair.RunInChunksToHalt();
            return;
        }
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        // 1,669 here; 1,975 when the return site waits for a block of its own (38 more of its calls, interpreted from it).
        pair.Interpreted.ShouldBeLessThan(1_800, "from the caller's first compiled pass, its return site ran in its block");
    }

    /// <summary>
    /// A block without a loop becomes host code however short: the run loop enters it, and its exit before ROL by CL
    /// (no host form) leaves each time after the adds, DEC and JNE.
    /// </summary>
    [TestCase(40)]
    [TestCase(2)]
    public void A_straight_run_becomes_host_code(int adds)
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 100);
            a.Label(ref top);
            for (var i = 0; i < adds; i++)
                a.add(eax, ecx);
            a.rol(edx, cl); // no host form, and no block closes the loop around it
            a.dec(ecx);
            a.jne(top);
            a.hlt();
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Retired.ShouldBeGreaterThan(90 * (adds + 2));
    }

    /// <summary>
    /// A function that calls itself until ECX runs out, then returns up the chain: a cycle through a CALL, each return
    /// predicted back into the block.
    /// </summary>
    [Test]
    public void A_recursive_call_compiles_and_agrees()
    {
        using var pair = HostCodePair(a =>
        {
            var function = a.CreateLabel();
            var back = a.CreateLabel();
            a.mov(ecx, 200);
            a.call(function);
            a.hlt();
            a.Label(ref function);
            a.add(eax, ecx);
            a.dec(ecx);
            a.jz(back);
            a.call(function);
            a.Label(ref back);
            a.ret();
        });
        pair.RunToHaltCompiled(mostInterpreted: 100);
        pair.SameState();
        pair.SameMemory(TestMachine.StackTop - 0x800, 0x800); // 200 return addresses
    }

    /// <summary>A shift by CL right before a branch target: its count-0 path joins where that basic block starts.</summary>
    [Test]
    public void A_shift_by_cl_before_a_branch_target_agrees()
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            var join = a.CreateLabel();
            a.mov(edx, 100);
            a.mov(eax, 1);
            a.Label(ref top);
            a.mov(ecx, edx);
            a.shl(eax, cl);
            a.Label(ref join);
            a.add(eax, 1);
            a.test(eax, 1);
            a.jz(join);
            a.dec(edx);
            a.jne(top);
            a.hlt();
        });
        pair.RunToHaltCompiled(mostInterpreted: 50);
        pair.SameState();
    }

    /// <summary>
    /// Calls and returns between blocks link. Direct: the loop's block cannot take in the function's page (it holds a
    /// first function's already), so it leaves through a call's cell. Indirect: CALL through a register and through
    /// memory (CALL [RSP] reading the slot the PUSH before it wrote, before its own push), each leaving through the jump
    /// cache. The returns come back through the jump cache.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Calls_and_returns_between_blocks_link(bool indirect)
    {
        const ulong first = TestMachine.CodeBase + 0x1000, function = TestMachine.CodeBase + 0x2000, slot = TestMachine.CodeBase + 0x3000;
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 300);
            a.xor(eax, eax);
            a.mov(r11, first);
            a.mov(r12, slot);
            a.Label(ref top);
            if (indirect)
            {
                a.call(r11);
                a.call(__qword_ptr[r12]);
                a.push(r11);
                a.call(__qword_ptr[rsp]);
                a.pop(rdx);
            }
            else
            {
                a.call(first);
                a.call(function);
            }
            a.imul(eax, eax, 5);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
        });
        pair.Both(m =>
        {
            m.Memory.WriteU64(slot, function);
            m.Load(64, first, a =>
            {
                a.sub(eax, 1);
                a.ret();
            });
            m.Load(64, function, a =>
            {
                a.add(eax, ecx);
                a.ret();
            });
        });
        pair.RunToHaltCompiled(mostInterpreted: 100);
        // Two (direct) or six (indirect) block-to-block transfers an iteration, all but the first few linked.
        pair.Tiered.Cpu.Tiering.Linked.ShouldBeGreaterThan(indirect ? 1000 : 500);
    }

    /// <summary>
    /// One function returning to two sites whose addresses share a jump-cache cell ((address ^ address >> 12) mod 4096 is
    /// 0x30 for both 0x10020 and 0x11021): each return must find the cell naming the other site and leave, never jump there.
    /// </summary>
    [Test]
    public void Returns_whose_targets_share_a_jump_cache_cell_go_where_they_popped()
    {
        const ulong siteA = TestMachine.CodeBase + 0x20, siteB = TestMachine.CodeBase + 0x1021, function = TestMachine.CodeBase + 0x2000;
        ((siteA ^ (siteA >> 12)) % HostChain.JumpCacheEntries).ShouldBe((siteB ^ (siteB >> 12)) % HostChain.JumpCacheEntries);
        static void Prologue(Assembler a)
        {
            a.mov(ecx, 300);
            a.xor(eax, eax);
            a.mov(r11, function);
        }
        var padding = (int)(siteA - 3 - TestMachine.CodeBase) - Assemble(TestMachine.CodeBase, Prologue).Length;
        using var pair = HostCodePair(a =>
        {
            Prologue(a);
            for (var i = 0; i < padding; i++)
                a.nop();
            a.call(r11); // through a register: left to the interpreter, so the function's block is entered on its own
            a.jmp(siteB - 0x21);
        });
        pair.Both(m =>
        {
            m.Load(64, siteB - 0x21, a =>
            {
                for (var i = 0; i < 0x1E; i++)
                    a.nop();
                a.call(r11);
                a.imul(eax, eax, 5);
                a.dec(ecx);
                a.jne(siteA - 3);
                a.hlt();
            });
            m.Load(64, function, a =>
            {
                for (var i = 0; i < 40; i++)
                    a.add(eax, ecx); // long enough to be host code when the run loop enters it
                a.ret();
            });
        });
        pair.Interpreter.Memory.ReadBytes(siteA - 3, 3).ShouldBe(new byte[] { 0x41, 0xFF, 0xD3 }); // CALL R11
        pair.Interpreter.Memory.ReadBytes(siteB - 3, 3).ShouldBe(new byte[] { 0x41, 0xFF, 0xD3 });
        pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu.Tiering.Retired.ShouldBeGreaterThan(1000);
    }

    /// <summary>A store into the loop's own code (its immediate) takes effect on the next iteration, as in the interpreter.</summary>
    [Test]
    public void A_store_into_the_block_changes_its_next_iteration()
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 50); // 5 bytes
            a.xor(eax, eax); // 2 bytes
            a.Label(ref top);
            a.db(0x83, 0xC0, 0x01); // ADD EAX, 1 at +7: the immediate is at +9
            a.inc(__byte_ptr[TestMachine.CodeBase + 9]);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Interpreter.Cpu[Register.RAX].ShouldBe((ulong)Enumerable.Range(1, 50).Sum());
        pair.SameMemory(TestMachine.CodeBase, 64);
    }

    /// <summary>
    /// REP STOS and REP MOVS in a loop: the host's own string instruction where every element lies in one page of each
    /// operand (the REP's elements then retire in host code), and the interpreter's where they cross a page, DF is set, or
    /// a STOS of zeros covers a whole page (left for it to skip a page nothing wrote); the same state and memory either
    /// way, and in budget slices that end inside the REP's elements.
    /// </summary>
    [TestCase("stosq", 0x40000UL, 16, false, true)]
    [TestCase("movsb", 0x40010UL, 200, false, true)]
    [TestCase("stosd", 0x40FF0UL, 8, false, false)] // crosses into the next page
    [TestCase("movsw", 0x41000UL, 64, true, false)] // DF set: stepping down
    [TestCase("zeros", 0x40000UL, 4096, false, false)]
    public void Rep_strings_run_in_host_code_where_one_page_holds_them(string form, ulong destination, int count, bool down, bool inHostCode)
    {
        const int passes = 50;
        var size = form switch { "stosq" => 8, "stosd" => 4, "movsw" => 2, _ => 1 };
        Action<Assembler> program = a =>
        {
            var top = a.CreateLabel();
            a.mov(ebx, passes);
            a.Label(ref top);
            a.mov(rdi, (long)(down ? destination + (ulong)((count - 1) * size) : destination));
            a.mov(rsi, (long)(down ? 0x42000UL + (ulong)((count - 1) * size) : 0x42000UL));
            a.mov(ecx, count);
            a.mov(eax, form == "zeros" ? 0 : 0x5A5A_0000);
            if (form != "zeros")
                a.add(eax, ebx);
            if (down)
                a.std();
            switch (form)
            {
                case "stosq": a.rep.stosq(); break;
                case "stosd": a.rep.stosd(); break;
                case "movsb": a.rep.movsb(); break;
                case "movsw": a.rep.movsw(); break;
                default: a.rep.stosb(); break;
            }
            a.cld();
            a.dec(ebx);
            a.jne(top);
            a.hlt();
        };
        using (var pair = HostCodePair(program))
        {
            pair.Both(m =>
            {
                for (ulong i = 0; i < 0x1000; i += 8)
                    m.Memory.WriteU64(0x42000 + i, i * 0x9E37_79B9_7F4A_7C15UL);
            });
            pair.Run(1_000_000).Reason.ShouldBe(StopReason.Halt);
            pair.SameMemory(0x40000, 0x3000);
            if (inHostCode)
                pair.Interpreted.ShouldBeLessThan(count * 5, "the REP's elements retired in host code");
            else
                pair.Interpreted.ShouldBeGreaterThan(count * (passes - 5), "the interpreter ran the REP");
        }
        using (var sliced = HostCodePair(program))
        {
            sliced.RunInChunksToHalt(longSlice: true);
            sliced.SameMemory(0x40000, 0x3000);
        }
    }

    /// <summary>
    /// SHLD and SHRD by an immediate at 32 and 64 bits, on registers and on memory, their flags read (ADC takes CF, SETO and
    /// SETS the rest) and not: the state, memory and count agree with the interpreter's (<c>Shifts.Shld</c>, <c>Shifts.Shrd</c>),
    /// in one run and in slices, and the loop stays in host code.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Double_shifts_agree_with_the_interpreter(bool inSlices)
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, 100);
            a.mov(rax, 0x8123_4567_89AB_CDEF);
            a.mov(rdx, 0x0FED_CBA9_8765_4321);
            a.mov(edi, 0x40000);
            a.Label(ref top);
            a.shrd(rax, rdx, 13);
            a.adc(r8, 0);
            a.seto(r9b);
            a.shld(edx, eax, 1);
            a.sets(r10b);
            a.add(r11, r10);
            a.shrd(__qword_ptr[rdi], rax, 63);
            a.setp(r12b);
            a.add(r13, r12);
            a.shld(__dword_ptr[rdi + 8], edx, 31);
            a.adc(r14, r9);
            a.shrd(r15, rcx, 7); // flags dead: the ADD below replaces them
            a.add(rdx, rcx);
            a.lea(rax, __[rax + rcx * 8 + 0x55]);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
        });
        if (inSlices)
        {
            pair.RunInChunksToHalt();
            pair.SameMemory(0x40000, 16);
            return;
        }
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(0x40000, 16);
        pair.Interpreted.ShouldBeLessThan(50, "the double shifts ran in host code");
    }

    /// <summary>
    /// A REP STOS whose next instruction starts a basic block (a branch skips the REP on odd passes): the block is made
    /// and runs both. Iced takes one label per instruction, and the REP's last label once shared the next leader's, which
    /// failed the block's translation (15 refused blocks on the PVH boot to /init).
    /// </summary>
    [Test]
    public void A_rep_string_before_a_branch_target_compiles()
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            var after = a.CreateLabel();
            a.mov(ebx, 50);
            a.Label(ref top);
            a.test(bl, 1);
            a.jnz(after);
            a.mov(edi, 0x40000);
            a.mov(ecx, 16);
            a.mov(eax, ebx);
            a.rep.stosb();
            a.Label(ref after);
            a.add(r8, rbx);
            a.dec(ebx);
            a.jne(top);
            a.hlt();
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.SameMemory(0x40000, 16);
        pair.Interpreted.ShouldBeLessThan(40, "the loop ran in host code");
    }

    /// <summary>
    /// CLI at CPL 3 in the last pass of a loop made host code: with IOPL 3 it clears IF there; with IOPL 0 the block leaves
    /// before it and the interpreter raises #GP (SDM Vol. 2A CLI), whose handler halts. The state agrees with the
    /// interpreter's either way.
    /// </summary>
    [TestCase(3)]
    [TestCase(0)]
    public void Cli_at_cpl_3_clears_if_only_where_iopl_allows(int iopl)
    {
        using var pair = HostCodePair(a =>
        {
            a.mov(ecx, (uint)SystemCallTests.User);
            a.mov(r11d, 0x202 | (iopl << 12));
            a.sysretq();
        });
        pair.Both(m =>
        {
            SystemCallTests.MakeUserCapable(m);
            m.Load(64, SystemCallTests.User, a =>
            {
                var top = a.CreateLabel();
                var skip = a.CreateLabel();
                a.mov(ebx, 300);
                a.Label(ref top);
                a.add(eax, ebx);
                a.cmp(ebx, 1);
                a.jne(skip);
                a.cli(); // in the last pass, long after the loop became host code
                a.Label(ref skip);
                a.dec(ebx);
                a.jne(top);
                a.hlt(); // privileged at CPL 3: #GP, and the handler halts
            });
        });

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[Register.ESI].ShouldBe(0xFAUL, "ended in the #GP handler");
        if (iopl == 3)
        {
            (pair.Tiered.Cpu.Rflags & FlagBits.IF).ShouldBe(0UL);
            pair.Tiered.Cpu[Register.EBX].ShouldBe(0UL, "every pass ran");
            pair.Interpreted.ShouldBeLessThan(300, "the loop's CLI ran in host code");
        }
        else
            pair.Tiered.Cpu[Register.EBX].ShouldBe(1UL, "the CLI faulted");
    }

    /// <summary>
    /// STI in a function made host code: while INTR is low it sets IF there, pass after pass (CLI clearing it again); once a
    /// device raised its line with IF clear, the next STI leaves, and the interpreter takes the interrupt after the one
    /// instruction its shadow lets run (SDM Vol. 2B STI), as the interpreter alone does.
    /// </summary>
    [Test]
    public void Sti_in_host_code_takes_a_pending_interrupt_after_its_shadow()
    {
        using var pair = HostCodePair(a =>
        {
            var function = a.CreateLabel();
            var top = a.CreateLabel();
            a.mov(ebx, 20);
            a.call(function); // 20 passes: the function becomes host code with INTR low
            a.cli();
            a.@out(0x80, al); // the line goes up with IF clear: pending
            a.mov(ebx, 3);
            a.call(function);
            a.hlt();
            a.Label(ref function);
            a.nop();
            a.Label(ref top);
            a.cli();
            a.add(eax, ebx);
            a.sti();
            a.inc(r11d); // 41 FF C3: the one instruction the shadow lets run
            a.dec(ebx); // FF CB: where the interrupted code resumes
            a.jne(top);
            a.ret();
        });
        pair.Both(m =>
        {
            ExternalInterruptTests.Wire(m, doorbell: true);
            m.Load(64, ExternalInterruptTests.Handler, a =>
            {
                a.mov(r9, __qword_ptr[rsp]); // where the interrupted code resumes
                a.movzx(r10d, __byte_ptr[r9]);
                a.hlt();
            });
        });

        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Tiered.Cpu[Register.R11D].ShouldBe(21UL, "20 passes, then the shadowed INC of the first pass after the OUT");
        pair.Tiered.Cpu[Register.EBX].ShouldBe(3UL);
        pair.Tiered.Cpu[Register.R10D].ShouldBe(0xFFUL, "it resumes at the DEC, right after the shadowed INC");
        pair.Interpreted.ShouldBeLessThan(20 * 6, "the first call's passes ran in host code, STI included");
    }

    /// <summary>
    /// A loop whose store and load meet a page the TLB has not mapped at every pass: each miss is refilled from host code
    /// (<c>HostTlb.Probe</c>), which goes on instead of leaving to the interpreter, and the guest registers the block holds
    /// in host registers the refill's call may change (R10, R11) or that hold the probe's results (RSI) come through it.
    /// </summary>
    [Test]
    public void A_tlb_miss_is_refilled_in_host_code()
    {
        const int Pages = 300;
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            a.mov(ecx, Pages);
            a.mov(edi, 0x40_0000); // 2 MiB pages, but the TLB maps 4 KiB: every pass a page it has not seen
            a.mov(r8, 0x1234_5678_9ABC_DEF0);
            a.mov(r9, 3);
            a.Label(ref top);
            a.mov(__qword_ptr[rdi + 8], r8);
            a.add(rax, __qword_ptr[rdi + 0x1000 + 16]); // the next page's, read before it is written
            a.lea(r8, __[r8 + r9 * 2]);
            a.xor(r9, r8);
            a.add(rdx, r9);
            a.add(rdi, 0x1000);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
        });
        pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
        pair.Interpreted.ShouldBeLessThan(30, "after the first passes, not one instruction left to the interpreter per page");
        pair.SameMemory(0x40_0000, (Pages + 1) * 0x1000);
    }

    /// <summary>
    /// RDTSC at the start, the middle and the end of a basic block reads the interpreter's counter (the instructions
    /// retired before it, <c>X86Cpu.Tsc</c>), in a run to the end and in slices that stop the block anywhere, and stays
    /// in host code; so does RDTSCP in the middle, ECX then IA32_TSC_AUX zero-extended (SDM Vol. 2B RDTSCP).
    /// </summary>
    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Rdtsc_reads_the_count_the_interpreter_reads(bool inSlices, bool rdtscp)
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            var skip = a.CreateLabel();
            a.mov(ecx, 200);
            a.Label(ref top);
            a.rdtsc();
            a.add(r8, rax);
            a.add(r9, rdx);
            a.test(cl, 3);
            a.jnz(skip);
            a.add(r10, rcx);
            if (rdtscp)
            {
                a.mov(r12, rcx);
                a.rdtscp();
                a.add(r13, rcx);
                a.mov(rcx, r12);
            }
            else
                a.rdtsc();
            a.xor(r10, rax);
            a.Label(ref skip);
            a.lea(r11, __[r11 + rcx * 2]);
            a.rdtsc();
            a.sub(r8, rax);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
        });
        pair.Both(m => m.Cpu.TscAux = 0x8765_4321);
        if (inSlices)
            pair.RunInChunksToHalt();
        else
        {
            pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
            pair.Interpreted.ShouldBeLessThan(30, "the RDTSCs run in host code");
            if (rdtscp)
                pair.Tiered.Cpu[Register.R13].ShouldBe(50UL * 0x8765_4321, "ECX, every fourth pass");
        }
    }

    /// <summary>
    /// A function with a frame (PUSH RBP, MOV RBP, RSP, locals, LEAVE, RET) called in a loop: LEAVE runs in host code,
    /// RSP from RBP and RBP popped as the interpreter leaves them, in a run to the end and in slices.
    /// </summary>
    [TestCase(false)]
    [TestCase(true)]
    public void Leave_unwinds_a_frame_as_the_interpreter_does(bool inSlices)
    {
        using var pair = HostCodePair(a =>
        {
            var top = a.CreateLabel();
            var function = a.CreateLabel();
            a.mov(ecx, 200);
            a.mov(rbp, 0x1234);
            a.Label(ref top);
            a.call(function);
            a.add(r8, rax);
            a.dec(ecx);
            a.jne(top);
            a.hlt();
            a.Label(ref function);
            a.push(rbp);
            a.mov(rbp, rsp);
            a.sub(rsp, 0x20);
            a.mov(__qword_ptr[rbp - 8], rcx);
            a.lea(rax, __[rcx + rbp]);
            a.add(rax, __qword_ptr[rbp - 8]);
            a.leave();
            a.ret();
        });
        if (inSlices)
            pair.RunInChunksToHalt();
        else
        {
            pair.Run(100_000).Reason.ShouldBe(StopReason.Halt);
            pair.Tiered.Cpu[Register.RBP].ShouldBe(0x1234UL);
            pair.Interpreted.ShouldBeLessThan(40, "the LEAVEs run in host code");
        }
    }

    /// <summary>A LEAVE whose RBP points into a page not present faults with RSP and RBP as they were, as in the interpreter.</summary>
    [Test]
    public void A_leave_from_a_page_not_present_faults_as_in_the_interpreter()
        => FaultProgram.PageFaultsLikeTheInterpreter(a =>
        {
            var top = a.CreateLabel();
            a.mov(rbx, 0xF000_0000UL);
            a.Label(ref top);
            a.add(rbx, 0x10_0000);
            a.mov(rbp, rbx);
            a.inc(rax);
            a.leave();
            a.adc(r12, rbp);
            a.mov(rsp, TestMachine.StackTop);
            a.jmp(top);
        }, tier: pair => { pair.Tiered.Cpu.HostCodeTier = true; return pair; });

    /// <summary><see cref="TierPair.Program64"/> with the tiered machine making host code of an entry at its second run.</summary>
    private static TierPair HostCodePair(Action<Assembler> program)
    {
        var pair = TierPair.Program64(program);
        pair.Tiered.Cpu.HostCodeTier = true;
        return pair;
    }

    private static void RunOne(Random rng, byte[] body, string listing, int seed, int iterations)
    {
        var prologue = Assemble(Origin, a => a.mov(__dword_ptr[Counter], iterations));
        prologue.Length.ShouldBe((int)(BodyStart - Origin));
        var epilogue = Assemble(BodyStart + (ulong)body.Length, a =>
        {
            a.dec(__dword_ptr[Counter]);
            a.jne(BodyStart);
            a.hlt();
        });
        var data = new byte[RandomProgram.DataSize];
        rng.NextBytes(data);
        var regs = new ulong[16];
        for (var i = 0; i < regs.Length; i++)
            regs[i] = (ulong)rng.NextInt64();
        regs[4] = StackTop;
        regs[5] = DataBase;
        var flags = 0x2UL | ((ulong)rng.Next() & 0x8D5);
        var budget = (ulong)rng.Next(30, 400);
        var context = $"seed {seed}:\n{listing}";
        using (var pair = Pair(prologue, body, epilogue, data, regs, flags))
        {
            if (pair.Run(budget, $"at budget {budget}; {context}").Reason != StopReason.Halt)
                pair.Run(1_000_000, context).Reason.ShouldBe(StopReason.Halt, context);
            pair.SameMemory(DataBase, RandomProgram.DataSize, context);
            pair.SameMemory(StackTop - 0x800, 0x800, context);
            pair.Tiered.Cpu.Tiering.Entries.ShouldBeGreaterThan(0, context);
        }
        if (seed % 10 != 0)
            return;
        using (var pair = Pair(prologue, body, epilogue, data, regs, flags))
        {
            pair.RunInChunksToHalt(longSlice: true);
            pair.SameMemory(DataBase, RandomProgram.DataSize, context);
        }
    }

    private static TierPair Pair(byte[] prologue, byte[] body, byte[] epilogue, byte[] data, ulong[] regs, ulong flags)
    {
        var pair = new TierPair(threshold: 2);
        pair.Tiered.Cpu.HostCodeTier = true;
        pair.Both(m =>
        {
            m.Memory.Write(Origin, [.. prologue, .. body, .. epilogue]);
            m.Memory.Write(Function, Assemble(Function, a =>
            {
                a.push(rsi);
                a.add(__qword_ptr[rsp], 3);
                a.pop(rsi);
                a.ret();
            }));
            m.Memory.Write(DataBase, data);
            m.EnterLong64(Origin);
            m.Cpu.SetSegment(SegmentRegister.Fs, m.Cpu.GetSegment(SegmentRegister.Fs) with { Base = SegmentShift });
            m.Cpu.SetSegment(SegmentRegister.Gs, m.Cpu.GetSegment(SegmentRegister.Gs) with { Base = unchecked(0UL - SegmentShift) });
            for (var i = 0; i < regs.Length; i++)
                m.Cpu[Register.RAX + i] = regs[i];
            m.Cpu.Rflags = flags;
        });
        return pair;
    }

    /// <summary>
    /// Random instructions of the forms the back end compiles: every operand size, register, immediate and [RBP + disp]
    /// memory operands, flag producers followed by their readers, IMUL, rotates, shifts by CL, PUSH and POP, CALL (direct,
    /// through a register and through memory) of a function that returns, forward Jcc over one instruction, DIV, CBW–CQO,
    /// BSWAP, FS- and GS-relative operands, CMPXCHG to memory, XADD, PUSHFQ, BT, BTS, BTR and BTC, REP STOS and MOVS, CLI and
    /// STI.
    /// </summary>
    private static (byte[] Code, string Listing) CompiledForms(Random rng, ulong origin, int count)
    {
        Register[] pool = [Register.RAX, Register.RCX, Register.RDX, Register.RBX, Register.RSI, Register.RDI, Register.R8, Register.R9, Register.R10, Register.R11, Register.R12, Register.R13, Register.R14, Register.R15];
        string[] alu = ["Add", "Or", "Adc", "Sbb", "And", "Sub", "Xor", "Cmp"];
        string[] cc = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
        var list = new List<Instruction>();
        Register Reg(int size)
        {
            var r = pool[rng.Next(pool.Length)];
            var i = r - Register.RAX;
            return size switch
            {
                8 => r,
                4 => Register.EAX + i,
                2 => Register.AX + i,
                _ => i < 4 && rng.Next(3) == 0 ? Register.AH + i : i < 4 ? Register.AL + i : Register.SPL + i - 4,
            };
        }
        MemoryOperand Mem() => new(Register.RBP, rng.Next(RandomProgram.DataSize - 8));
        MemoryOperand SegmentMem() => new(Register.RBP, Register.None, 1, rng.Next((int)SegmentShift, RandomProgram.DataSize - 8 - (int)SegmentShift), 1, false, rng.Next(2) == 0 ? Register.FS : Register.GS);
        int Imm(int size) => size == 1 ? rng.Next(-128, 128) : size == 2 ? rng.Next(-32768, 32768) : rng.Next(int.MinValue, int.MaxValue);
        static Code C(string name) => Enum.Parse<Code>(name);
        for (var k = 0; k < count; k++)
        {
            var size = rng.Next(4) switch { 0 => 1, 1 => 2, 2 => 4, _ => 8 };
            var sz = (size * 8).ToString(System.Globalization.CultureInfo.InvariantCulture);
            var ext = size == 8 ? "32" : sz;
            Register r = Reg(size), s = Reg(size);
            if (size == 1 && (r is >= Register.AH and <= Register.BH || s is >= Register.AH and <= Register.BH))
            {
                // AH..BH cannot be encoded with a REX prefix: keep both in the legacy byte registers.
                r = Register.AL + rng.Next(8);
                s = Register.AL + rng.Next(8);
            }
            var op = alu[rng.Next(alu.Length)];
            switch (rng.Next(19))
            {
                case 0: list.Add(Instruction.Create(C($"{op}_rm{sz}_r{sz}"), r, s)); break;
                case 1: list.Add(Instruction.Create(C($"{op}_rm{sz}_imm{ext}"), r, Imm(Math.Min(size, 4)))); break;
                case 2: list.Add(Instruction.Create(C($"{op}_r{sz}_rm{sz}"), r, Mem())); break;
                case 3: list.Add(Instruction.Create(C($"{op}_rm{sz}_r{sz}"), Mem(), r)); break;
                case 4: list.Add(Instruction.Create(C($"Test_rm{sz}_r{sz}"), r, s)); break;
                case 5:
                    var unary = new[] { "Inc", "Dec", "Neg", "Not" }[rng.Next(4)];
                    list.Add(rng.Next(3) == 0 ? Instruction.Create(C($"{unary}_rm{sz}"), Mem()) : Instruction.Create(C($"{unary}_rm{sz}"), r));
                    break;
                case 6:
                    var shift = new[] { "Shl", "Shr", "Sar", "Rol", "Ror" }[rng.Next(size > 2 ? 5 : 3)];
                    var n = rng.Next(1, size * 8);
                    list.Add(rng.Next(3) == 0 ? Instruction.Create(C($"{shift}_rm{sz}_imm8"), Mem(), n) : Instruction.Create(C($"{shift}_rm{sz}_imm8"), r, n));
                    break;
                case 7:
                    list.Add(rng.Next(3) switch
                    {
                        0 => Instruction.Create(C($"Mov_rm{sz}_r{sz}"), Mem(), r),
                        1 => Instruction.Create(C($"Mov_r{sz}_rm{sz}"), r, Mem()),
                        _ => Instruction.Create(C($"Mov_r{sz}_rm{sz}"), r, s),
                    });
                    break;
                case 8 when size > 1:
                    list.Add(rng.Next(3) switch
                    {
                        0 => Instruction.Create(C($"Movzx_r{sz}_rm8"), r, Mem()),
                        1 => Instruction.Create(C($"Movsx_r{sz}_rm8"), r, Reg(1) is var b && b is >= Register.AH and <= Register.BH ? Register.CL : b),
                        _ when size > 2 => Instruction.Create(C($"Movzx_r{sz}_rm16"), r, Reg(2)),
                        _ => Instruction.Create(Code.Movsxd_r64_rm32, Reg(8), Mem()),
                    });
                    break;
                case 9 when size > 1:
                    list.Add(Instruction.Create(C($"Lea_r{sz}_m"), r, new MemoryOperand(Reg(8), Reg(8), 1 << rng.Next(4), Imm(4), 1)));
                    break;
                case 10:
                    list.Add(rng.Next(2) == 0 ? Instruction.Create(C($"Set{cc[rng.Next(16)]}_rm8"), Mem()) : Instruction.Create(C($"Set{cc[rng.Next(16)]}_rm8"), Reg(1) is var t && t is >= Register.SPL ? Register.DL : t));
                    break;
                case 11 when size > 1:
                    var cmov = C($"Cmov{cc[rng.Next(16)]}_r{sz}_rm{sz}");
                    list.Add(rng.Next(2) == 0 ? Instruction.Create(cmov, r, Mem()) : Instruction.Create(cmov, r, s));
                    break;
                case 13 when size > 1:
                    // IMUL r, r/m and IMUL r, r/m, imm: CF = OF from the signed product, SF/ZF/PF from the result.
                    var imm = size == 2 ? "16" : "32";
                    list.Add(rng.Next(4) switch
                    {
                        0 => Instruction.Create(C($"Imul_r{sz}_rm{sz}"), r, Mem()),
                        1 => Instruction.Create(C($"Imul_r{sz}_rm{sz}_imm{imm}"), r, Mem(), Imm(Math.Min(size, 4))),
                        2 => Instruction.Create(C($"Imul_r{sz}_rm{sz}_imm8"), r, s, rng.Next(-128, 128)),
                        _ => Instruction.Create(C($"Imul_r{sz}_rm{sz}"), r, s),
                    });
                    break;
                case 14 when size > 2:
                    // SHL/SHR/SAR by CL: CL is drawn small and often 0 or a multiple of the width (masked to 0), when nothing changes.
                    var byCl = new[] { "Shl", "Shr", "Sar" }[rng.Next(3)];
                    list.Add(Instruction.Create(Code.Mov_r32_imm32, Register.ECX, rng.Next(3) == 0 ? rng.Next(2) * size * 8 : rng.Next(1, 70)));
                    list.Add(rng.Next(3) == 0 ? Instruction.Create(C($"{byCl}_rm{sz}_CL"), Mem(), Register.CL) : Instruction.Create(C($"{byCl}_rm{sz}_CL"), r, Register.CL));
                    break;
                case 15:
                    // PUSH and POP in pairs, so each pass leaves RSP where it found it; a CALL of the function at Function
                    // (its RET returns into the block), through a register or through the slot a PUSH wrote (the block
                    // left through the jump cache and come back to), a PUSH of RSP itself, or a POP into RSP.
                    switch (rng.Next(7))
                    {
                        case 0:
                            list.Add(Instruction.CreateBranch(Code.Call_rel32_64, Function));
                            break;
                        case 3:
                            var through = Reg(8) is var t8 && t8 != Register.RSP ? t8 : Register.R11;
                            list.Add(Instruction.Create(Code.Mov_r64_imm64, through, Function));
                            list.Add(Instruction.Create(Code.Call_rm64, through));
                            break;
                        case 4:
                            list.Add(Instruction.Create(Code.Pushq_imm32, (int)Function));
                            list.Add(Instruction.Create(Code.Call_rm64, new MemoryOperand(Register.RSP)));
                            list.Add(Instruction.Create(Code.Pop_r64, Reg(8)));
                            break;
                        case 1:
                            list.Add(Instruction.Create(Code.Push_r64, Register.RSP));
                            list.Add(Instruction.Create(Code.Pop_r64, Reg(8)));
                            break;
                        case 2:
                            // POP RSP keeps the popped value, not the incremented RSP.
                            list.Add(Instruction.Create(Code.Push_r64, Register.RSP));
                            list.Add(Instruction.Create(Code.Sub_rm64_imm8, new MemoryOperand(Register.RSP), 16));
                            list.Add(Instruction.Create(Code.Pop_r64, Register.RSP));
                            list.Add(Instruction.Create(Code.Add_rm64_imm8, Register.RSP, 16));
                            break;
                        default:
                            list.Add(rng.Next(2) == 0 ? Instruction.Create(Code.Push_r64, Reg(8)) : Instruction.Create(Code.Pushq_imm32, Imm(4)));
                            list.Add(Instruction.Create(Code.Mov_r64_rm64, Reg(8), new MemoryOperand(Register.RSP)));
                            list.Add(Instruction.Create(Code.Pop_r64, Reg(8)));
                            break;
                    }
                    break;
                case 16 when size > 2:
                    {
                        // DIV with EDX below 2^20 and the divisor ORed with 2^20, so the quotient always fits (#DE: DivideTests).
                        var divisor = r is Register.EDX or Register.RDX ? (size == 8 ? Register.RSI : Register.ESI) : r;
                        var memory = rng.Next(2) == 0;
                        var at = Mem();
                        list.Add(Instruction.Create(Code.Mov_r32_imm32, Register.EDX, rng.Next(1 << 20)));
                        list.Add(memory ? Instruction.Create(C($"Or_rm{sz}_imm32"), at, 1 << 20) : Instruction.Create(C($"Or_rm{sz}_imm32"), divisor, 1 << 20));
                        list.Add(memory ? Instruction.Create(C($"Div_rm{sz}"), at) : Instruction.Create(C($"Div_rm{sz}"), divisor));
                        break;
                    }
                case 17:
                    // CBW–CQO, BSWAP, FS- and GS-relative loads, stores and read-modify-writes (bases set in Pair), and
                    // CMPXCHG to memory, half of them after the accumulator was loaded from there (so they match).
                    if (rng.Next(5) == 0)
                    {
                        // REP STOS or REP MOVS of 0 to 31 elements within the data (the ranges may overlap), RDI, RSI and
                        // RCX set just before.
                        var elements = rng.Next(Math.Min(32, RandomProgram.DataSize / size));
                        int Offset() => rng.Next(RandomProgram.DataSize - elements * size + 1);
                        list.Add(Instruction.Create(Code.Lea_r64_m, Register.RDI, new MemoryOperand(Register.RBP, Offset())));
                        list.Add(Instruction.Create(Code.Mov_r32_imm32, Register.ECX, elements));
                        var movs = rng.Next(2) == 0;
                        if (movs)
                            list.Add(Instruction.Create(Code.Lea_r64_m, Register.RSI, new MemoryOperand(Register.RBP, Offset())));
                        list.Add((movs, size) switch
                        {
                            (true, 1) => Instruction.CreateMovsb(64, repPrefix: RepPrefixKind.Repe),
                            (true, 2) => Instruction.CreateMovsw(64, repPrefix: RepPrefixKind.Repe),
                            (true, 4) => Instruction.CreateMovsd(64, repPrefix: RepPrefixKind.Repe),
                            (true, _) => Instruction.CreateMovsq(64, repPrefix: RepPrefixKind.Repe),
                            (false, 1) => Instruction.CreateStosb(64, repPrefix: RepPrefixKind.Repe),
                            (false, 2) => Instruction.CreateStosw(64, repPrefix: RepPrefixKind.Repe),
                            (false, 4) => Instruction.CreateStosd(64, repPrefix: RepPrefixKind.Repe),
                            _ => Instruction.CreateStosq(64, repPrefix: RepPrefixKind.Repe),
                        });
                        break;
                    }
                    if (size > 1 && rng.Next(4) == 0)
                    {
                        // BT, BTS, BTR, BTC: an immediate offset (any byte: masked to the width) into a register or memory,
                        // or a register offset into a register.
                        var bt = new[] { "Bt", "Bts", "Btr", "Btc" }[rng.Next(4)];
                        list.Add(rng.Next(3) switch
                        {
                            0 => Instruction.Create(C($"{bt}_rm{sz}_imm8"), r, rng.Next(256)),
                            1 => Instruction.Create(C($"{bt}_rm{sz}_imm8"), Mem(), rng.Next(256)),
                            _ => Instruction.Create(C($"{bt}_rm{sz}_r{sz}"), r, s),
                        });
                        break;
                    }
                    if (size >= 4 && rng.Next(4) == 0)
                    {
                        // XADD into a register (often itself) or memory, or PUSHFQ and a POP of the image it pushed.
                        switch (rng.Next(3))
                        {
                            case 0:
                                list.Add(Instruction.Create(C($"Xadd_rm{sz}_r{sz}"), r, rng.Next(3) == 0 ? r : s));
                                break;
                            case 1:
                                list.Add(Instruction.Create(C($"Xadd_rm{sz}_r{sz}"), Mem(), r));
                                break;
                            default:
                                list.Add(Instruction.Create(Code.Pushfq));
                                list.Add(Instruction.Create(Code.Pop_r64, Reg(8)));
                                break;
                        }
                        break;
                    }
                    if (rng.Next(4) == 0)
                    {
                        var at = Mem();
                        var accumulator = size switch { 1 => Register.AL, 2 => Register.AX, 4 => Register.EAX, _ => Register.RAX };
                        if (rng.Next(2) == 0)
                            list.Add(Instruction.Create(C($"Mov_r{sz}_rm{sz}"), accumulator, at));
                        list.Add(Instruction.Create(C($"Cmpxchg_rm{sz}_r{sz}"), at, r));
                        break;
                    }
                    list.Add(rng.Next(7) switch
                    {
                        0 => Instruction.Create(new[] { Code.Cbw, Code.Cwde, Code.Cdqe, Code.Cwd, Code.Cdq, Code.Cqo }[rng.Next(6)]),
                        6 => Instruction.Create(rng.Next(3) == 0 ? Code.Sti : Code.Cli), // IF set again now and then
                        1 => rng.Next(2) == 0 ? Instruction.Create(Code.Bswap_r32, Reg(4)) : Instruction.Create(Code.Bswap_r64, Reg(8)),
                        2 => Instruction.Create(C($"{op}_r{sz}_rm{sz}"), r, SegmentMem()),
                        3 => Instruction.Create(C($"Mov_rm{sz}_r{sz}"), SegmentMem(), r),
                        4 => Instruction.Create(C($"Inc_rm{sz}"), SegmentMem()),
                        _ => Instruction.Create(C($"Mov_r{sz}_rm{sz}"), r, SegmentMem()),
                    });
                    break;
                case 12:
                    // A forward conditional branch over the next instruction (a MOV), so the loop has basic blocks.
                    list.Add(Instruction.CreateBranch(C($"J{cc[rng.Next(16)]}_rel8_64"), 0));
                    list.Add(Instruction.Create(Code.Mov_rm64_imm32, Mem(), Imm(4)));
                    break;
                default:
                    list.Add(Instruction.Create(Code.Mov_r64_imm64, Reg(8), (ulong)rng.NextInt64()));
                    break;
            }
        }
        // Branch targets: each Jcc skips the instruction after it.
        using var stream = new MemoryStream();
        var writer = new StreamCodeWriter(stream);
        var encoder = Iced.Intel.Encoder.Create(64, writer);
        var listing = new System.Text.StringBuilder();
        var formatter = new IntelFormatter();
        var output = new StringOutput();
        var ip = origin;
        for (var i = 0; i < list.Count; i++)
        {
            var instr = list[i];
            instr.IP = ip;
            if (instr.Code == Code.Call_rel32_64)
                instr.NearBranch64 = Function;
            if (instr.IsJccShortOrNear)
                instr.NearBranch64 = ip + 2 + (ulong)Iced.Intel.Encoder.Create(64, new StreamCodeWriter(new MemoryStream())).Encode(list[i + 1], ip + 2);
            var length = encoder.Encode(instr, ip);
            formatter.Format(instr, output);
            listing.AppendLine(output.ToStringAndReset());
            ip += (ulong)length;
        }
        return (stream.ToArray(), listing.ToString());
    }

    private static byte[] Assemble(ulong address, Action<Assembler> build)
    {
        var a = new Assembler(64);
        build(a);
        return TestMachine.Assemble(a, address);
    }
}
