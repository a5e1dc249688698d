using System.Text.Json.Nodes;
using LoaderHarness.Cli;
using LoaderHarness.Fixtures.Images;
using LoaderHarness.Loader.Images.BzImage;
using LoaderHarness.Tests.Cli.Output;
using LoaderHarness.Tests.Support;
using Shouldly;

namespace LoaderHarness.Tests.Cli.Commands;

/// <summary>
/// The <c>boot</c> verb end to end: a tiny PVH kernel with a System.map for the exit codes and options, and
/// Debian's real kernel for the issue's JSON report.
/// </summary>
[TestFixture]
public sealed class BootCommandTests : CliTestFixture
{
    /// <summary>
    /// 32-bit PVH code at 0x1000000: <c>mov eax, [ebx]</c> (reads start_info's magic, as the contract
    /// x86.run.read-boot-structure wants), <c>jmp target</c>; target (+0x10): <c>hlt</c>.
    /// </summary>
    private static readonly byte[] Code = [0x8B, 0x03, 0xEB, 0x0C, .. new byte[0x0C], 0xF4, .. new byte[0x1EF]];

    private const string SystemMap = "ffffffff81000000 T _text\nffffffff81000010 T target\nffffffff81000020 T never\n";

    private string TinyKernel() => WriteFile("vmlinux", ElfWriter.Write(new ElfSpec { Code = Code, PvhEntry = 0x100_0000 }));

    private string TinyMap(string text = SystemMap) => WriteFile("System.map", System.Text.Encoding.ASCII.GetBytes(text));

    [Test]
    public void Reaching_the_symbol_exits_with_0()
    {
        var (code, output, error) = Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "target", "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        json["milestone"]!.GetValue<string>().ShouldBe("target");
        json["reached"]!.GetValue<bool>().ShouldBeTrue();
        json["stopReason"]!.GetValue<string>().ShouldBe("address-reached");
        json["instructions"]!.GetValue<ulong>().ShouldBe(2UL); // mov, jmp
        json["protocol"]!.GetValue<string>().ShouldBe("pvh");
        json["architecture"]!.GetValue<string>().ShouldBe("x86_64");
        // Addresses are numbers, with a hex twin for humans.
        json["stopPc"]!.GetValue<ulong>().ShouldBe(0x100_0010UL);
        json["stopPcHex"]!.GetValue<string>().ShouldBe("0x1000010");
        json["milestones"]!.AsArray().Single()!["name"]!.GetValue<string>().ShouldBe("target");
    }

    [Test]
    public void Json_reports_where_the_time_went_phase_by_phase()
    {
        var (code, output, _) = Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "target", "--json");

        code.ShouldBe(CliApp.Ok);
        var phases = JsonNode.Parse(output)!["phases"]!.AsObject();
        phases.Select(p => p.Key).ShouldBe(["startup", "load", "symbols", "run", "report"]);
        foreach (var (name, value) in phases)
            value!.GetValue<double>().ShouldBeGreaterThanOrEqualTo(0, name);
        // In-process there is no process start of ours to measure from; loading and the run take some time.
        phases["startup"]!.GetValue<double>().ShouldBe(0);
        phases["load"]!.GetValue<double>().ShouldBeGreaterThan(0);
        phases["run"]!.GetValue<double>().ShouldBeGreaterThan(0);
    }

    [Test]
    public void Not_reaching_the_symbol_exits_with_1()
    {
        var (code, output, _) = Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "never", "--json");

        code.ShouldBe(CliApp.CheckFailed);
        var json = JsonNode.Parse(output)!;
        json["milestone"]!.GetValue<string>().ShouldBe("none");
        json["reached"]!.GetValue<bool>().ShouldBeFalse();
        json["stopReason"]!.GetValue<string>().ShouldBe("halt");
        json["stopSymbol"]!.GetValue<string>().ShouldBe("target+0x1"); // RIP after HLT
    }

    [Test]
    public void The_budget_bounds_the_run()
    {
        var (code, output, _) = Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "target", "--max-instructions", "0", "--json");

        code.ShouldBe(CliApp.CheckFailed);
        JsonNode.Parse(output)!["stopReason"]!.GetValue<string>().ShouldBe("budget");
    }

    [Test]
    public void A_run_stopped_by_its_budget_says_where_it_was_and_what_to_pass()
    {
        var (code, output, _) = Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "never", "--max-instructions", "1", "--json");

        code.ShouldBe(CliApp.CheckFailed);
        var json = JsonNode.Parse(output)!;
        json["stopReason"]!.GetValue<string>().ShouldBe("budget");
        json["phase"]!.GetValue<string>().ShouldBe("kernel"); // a vmlinux has no decompressor
        json["budget"]!.GetValue<long>().ShouldBe(1);
        json["suggestedBudget"]!.GetValue<long>().ShouldBe(100_000_000);
        json["hint"]!.GetValue<string>().ShouldContain("pass --max-instructions 100000000 to go further");
        Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "never", "--max-instructions", "1").Out
            .ShouldContain("pass --max-instructions 100000000 to go further");
    }

    [Test]
    public void Trace_names_symbols()
    {
        var trace = Path.Combine(Dir, "trace.txt");

        Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "never", "--trace", trace).Code.ShouldBe(CliApp.CheckFailed);

        var lines = System.IO.File.ReadAllLines(trace);
        lines.ShouldContain("<_text>:");
        lines.ShouldContain(l => l.StartsWith("0000000001000002") && l.Contains("jmp") && l.Contains("target"));
        lines.ShouldContain("<target>:");
        lines.ShouldContain(l => l.StartsWith("0000000001000010") && l.Contains("hlt"));
    }

    [TestCase("interpreter")]
    [TestCase("tiered")]
    public void Either_engine_reaches_the_symbol_after_the_same_instructions(string engine)
    {
        var (code, output, error) = Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "target", "--engine", engine, "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        json["stopReason"]!.GetValue<string>().ShouldBe("address-reached");
        json["instructions"]!.GetValue<ulong>().ShouldBe(2UL); // mov, jmp
    }

    [Test]
    public void Json_reports_how_the_engine_ran()
    {
        var interpreted = JsonNode.Parse(Run("boot", TinyKernel(), "--system-map", TinyMap(), "--until", "target", "--engine", "interpreter", "--json").Out)!["tiering"]!;
        interpreted["engine"]!.GetValue<string>().ShouldBe("interpreter");
        interpreted["background"]!.GetValue<bool>().ShouldBeFalse();
        interpreted["compiledBlocks"]!.GetValue<long>().ShouldBe(0);
        interpreted["entries"]!.GetValue<long>().ShouldBe(0);
        interpreted["compiledInstructions"]!.GetValue<long>().ShouldBe(0);

        // A loop of 50 M iterations (100 M instructions): its head becomes hot after 10,000 and is compiled long before the end.
        var (code, output, error) = Run("boot", HotLoopKernel(), "--system-map", TinyMap(), "--until", "target", "--engine", "tiered", "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        json["instructions"]!.GetValue<ulong>().ShouldBe(3 + 2 * 50_000_000UL);
        var tiered = json["tiering"]!;
        tiered["engine"]!.GetValue<string>().ShouldBe("tiered");
        tiered["background"]!.GetValue<bool>().ShouldBe(Environment.ProcessorCount > 1);
        tiered["compiledBlocks"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(1);
        tiered["entries"]!.GetValue<long>().ShouldBeGreaterThanOrEqualTo(1);
        tiered["residentBlocks"]!.GetValue<int>().ShouldBeLessThanOrEqualTo(tiered["capacity"]!.GetValue<int>());
        // All but the loop's first iterations (and those run while its block was compiled) ran compiled.
        tiered["compiledInstructions"]!.GetValue<long>().ShouldBeInRange(90_000_000L, 100_000_003L);
        tiered["jitMilliseconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
        ReportSchemaFile.ShouldMatch(output);
    }

    /// <summary>
    /// <c>mov eax, [ebx]</c>; <c>mov ecx, 50000000</c>; loop: <c>dec ecx</c>, <c>jnz loop</c> (at +0x07); then
    /// <c>jmp target</c> (+0x10), where <c>hlt</c> waits.
    /// </summary>
    private string HotLoopKernel() => WriteFile("vmlinux-loop", ElfWriter.Write(new ElfSpec
    {
        Code = [0x8B, 0x03, 0xB9, 0x80, 0xF0, 0xFA, 0x02, 0x49, 0x75, 0xFD, 0xEB, 0x04, .. new byte[4], 0xF4, .. new byte[0x1EF]],
        PvhEntry = 0x100_0000,
    }));

    [TestCase("--until", "no_such_symbol")]
    [TestCase("--protocol", "linux16")]
    [TestCase("--profile", "vmware")]
    [TestCase("--engine", "jit")]
    [TestCase("--protocol", "linux32")] // a vmlinux has no 32-bit entry
    public void Bad_input_exits_with_2(string option, string value) =>
        Run("boot", TinyKernel(), "--system-map", TinyMap(), option, value).Code.ShouldBe(CliApp.BadInput);

    [TestCase("--protocol", "linux8")] // linux16 was one until the BIOS made the 16-bit entry bootable
    [TestCase("--profile", "vmware")]
    public void Usage_errors_are_one_line_without_a_loader_code(string option, string value)
    {
        var (code, _, error) = Run("boot", TinyKernel(), "--system-map", TinyMap(), option, value);
        code.ShouldBe(CliApp.BadInput);
        error.TrimEnd().Split('\n').Length.ShouldBe(1);
        error.ShouldStartWith($"error (BadOption): {option} '{value}'");
    }

    /// <summary>
    /// A bzImage whose real-mode setup code asks INT 14h (serial port init, AX=00E3h), a service the harness's BIOS
    /// does not answer: the 16-bit boot ends at once with a typed stop naming the interrupt and AX, never a hang.
    /// </summary>
    [Test]
    public void A_bios_service_nobody_answers_ends_the_16_bit_boot_with_a_typed_stop()
    {
        var headerEnd = BzImageWriter.HeaderEnd(0x020F); // the 0x200 jump lands right after the 2.15 header
        var asm = new Iced.Intel.Assembler(16);
        asm.mov(Iced.Intel.AssemblerRegisters.ax, 0x00E3);
        asm.@int(0x14);
        asm.hlt();
        var realMode = LoaderHarness.Tests.Emulator.X86.TestMachine.Assemble(asm, (ulong)(headerEnd - 0x200));
        var kernel = WriteFile("bzImage", BzImageWriter.Write(new BzImageSpec { RealModeCode = realMode }));

        var (code, output, error) = Run("boot", kernel, "--system-map", TinyMap(), "--protocol", "linux16", "--until", "target", "--json");

        code.ShouldBe(CliApp.CheckFailed, error);
        var json = JsonNode.Parse(output)!;
        json["stopReason"]!.GetValue<string>().ShouldBe("unanswered-firmware-call");
        json["stopDetail"]!.GetValue<string>().ShouldStartWith("INT 14h AX=00E3h");
        json["profile"]!.GetValue<string>().ShouldBe("qemu"); // the 16-bit entry's default VMM
        json["instructions"]!.GetValue<ulong>().ShouldBeLessThan(10UL);
    }

    [Test]
    public void Debians_placeholder_system_map_is_bad_input()
    {
        // fixtures/kernels/amd64/System.map as Debian ships it.
        var (code, _, error) = Run("boot", TinyKernel(), "--system-map",
            TinyMap("ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n"));

        code.ShouldBe(CliApp.BadInput);
        error.ShouldContain("InvalidSystemMap");
    }

    [Test]
    [Category("RealKernel")]
    [Category("Slow")]
    public void Debian_vmlinux_until_console_streams_com1_and_reports_the_line()
    {
        var vmlinux = WriteFile("debian-vmlinux", VmlinuxExtractor.Extract(DebianKernel.BzImage()));

        var (code, output, error) = Run("boot", vmlinux, "--cmdline", "console=ttyS0 earlyprintk=serial", "--until", "console", "--console", "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        ReportSchemaFile.ShouldMatch(output); // the real kernel's readback, milestones and console too
        json["milestone"]!.GetValue<string>().ShouldBe("console");
        // start_kernel is passed on the way (the readback is taken there), then the first console line.
        json["milestones"]!.AsArray().Select(m => m!["name"]!.GetValue<string>()).ShouldBe(["start_kernel", "console"]);
        var milestone = json["milestones"]!.AsArray().Single(m => m!["kind"]!.GetValue<string>() == "console")!;
        milestone["kind"]!.GetValue<string>().ShouldBe("console");
        milestone["line"]!.GetValue<string>().ShouldContain("Linux version 6.1.");
        milestone["instructions"]!.GetValue<long>().ShouldBeGreaterThan(0);
        milestone["seconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
        json["lastConsoleLine"]!.GetValue<string>().ShouldBe(milestone["line"]!.GetValue<string>());
        json["console"]!.GetValue<string>().ShouldContain("Linux version 6.1.");
        error.ShouldContain("Linux version 6.1."); // --console: streamed to stderr as it completed
    }

    [Test]
    [Category("RealKernel")]
    [Category("Slow")]
    public void Debian_vmlinux_boots_through_pvh_with_the_issues_json_fields()
    {
        var vmlinux = WriteFile("debian-vmlinux", VmlinuxExtractor.Extract(DebianKernel.BzImage()));
        var initrd = WriteFile("initrd", new byte[0x3000]);

        var (code, output, error) = Run("boot", vmlinux, "--initrd", initrd, "--cmdline", "console=ttyS0 nokaslr", "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        ReportSchemaFile.ShouldMatch(output); // the real kernel's readback, milestones and console too
        json["milestone"]!.GetValue<string>().ShouldBe("start_kernel");
        json["wallSeconds"]!.GetValue<double>().ShouldBeGreaterThan(0);
        var readback = json["readback"]!;
        readback["bootCommandLine"]!.GetValue<string>().ShouldBe("console=ttyS0 nokaslr");
        readback["typeOfLoader"]!.GetValue<byte>().ShouldBe((byte)0xB0); // init_pvh_bootparams
        readback["protocolVersion"]!.GetValue<ushort>().ShouldBe((ushort)0x020C);
        readback["ramdisk"]!["size"]!.GetValue<ulong>().ShouldBe(0x3000UL);
        // Firecracker's memmap (4 entries with the MMCONFIG hole) plus the ISA entry the kernel appends.
        readback["e820"]!.AsArray().Count.ShouldBe(5);
        json["verdicts"]!.AsArray().ShouldAllBe(v => v!["verdict"]!.GetValue<string>() != "fail");
    }

    [Test]
    [Category("RealKernel")]
    public void Debian_arm64_image_stores_our_dtb_in_boot_args()
    {
        // boot_args[0] == the DTB address, x1-x3 == 0 (arch/arm64/kernel/head.S preserve_boot_args).
        var (code, output, error) = Run("boot", Path.Combine(DebianArm64Kernel.Directory(), "Image"), "--json");

        code.ShouldBe(CliApp.Ok, error);
        var json = JsonNode.Parse(output)!;
        ReportSchemaFile.ShouldMatch(output); // the real kernel's readback, milestones and console too
        json["milestone"]!.GetValue<string>().ShouldBe("start_kernel");
        json["architecture"]!.GetValue<string>().ShouldBe("arm64");
        json["protocol"]!.GetValue<string>().ShouldBe("arm64");
        var dtb = json["bootStructure"]!.GetValue<ulong>();
        var readback = json["readback"]!; // the same object x86 reports, with the arm64 fields
        readback["bootArgs"]!.AsArray().Select(v => v!.GetValue<ulong>()).ShouldBe([dtb, 0UL, 0UL, 0UL]);
        readback["fdtPointer"]!.GetValue<ulong>().ShouldBe(dtb);
        json["instructions"]!.GetValue<long>().ShouldBeGreaterThan(0);
    }
}
