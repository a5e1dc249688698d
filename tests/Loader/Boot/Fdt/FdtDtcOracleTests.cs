using LoaderHarness.Loader.Boot.Fdt;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Fdt;

/// <summary>Cross-checks our writer and reader against dtc, the reference implementation of DT spec ch. 5.</summary>
[TestFixture]
[Category("External")]
public sealed class FdtDtcOracleTests
{
    private string _dtc = "";
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dtc = Dtc.Require();
        _dir = Directory.CreateTempSubdirectory("fdt-dtc-").FullName;
    }

    [TearDown]
    public void TearDown()
    {
        if (_dir.Length != 0)
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static IEnumerable<TestCaseData> Guests()
    {
        FdtGuestDescription arm64 = new()
        {
            Architecture = FdtArchitecture.Arm64,
            Memory = [new FdtRegion(0x8020_0000, 0x0FE0_0000)],
            CpuCount = 17,
            Bootargs = "console=ttyAMA0 root=/dev/vda rw",
            Initrd = new FdtRegion(0x8F00_0000, 0x1000),
            RngSeed = new byte[64],
            KaslrSeed = 42,
            MemoryReservations = [new FdtRegion(0x8000_0000, 0x20_0000)],
        };
        yield return new TestCaseData(arm64, new[]
        {
            "/memreserve/\t0x0000000080000000 0x0000000000200000;",
            "compatible = \"linux,dummy-virt\";",
            "interrupt-parent = <0x01>;",
            "bootargs = \"console=ttyAMA0 root=/dev/vda rw\";",
            "linux,initrd-start = <0x00 0x8f000000>;",
            "linux,initrd-end = <0x00 0x8f001000>;",
            "kaslr-seed = <0x00 0x2a>;",
            "stdout-path = \"/serial@9000000\";",
            "memory@80200000 {",
            "cpu@100 {",
            "compatible = \"arm,gic-v3\";",
            "compatible = \"arm,armv8-timer\";",
            "compatible = \"arm,psci-0.2\";",
            "method = \"hvc\";",
            "compatible = \"arm,pl011\\0arm,primecell\";",
        }).SetName("Dtc decompiles arm64 GICv3 PL011");

        yield return new TestCaseData(arm64 with
        {
            CpuCount = 2,
            Arm64 = new FdtArm64Platform { Gic = FdtGicVersion.V2, PsciVersion = FdtPsciVersion.V1_0 },
            Uart = FdtUart.Riscv64Virt with { Interrupt = 40 },
        }, new[]
        {
            "compatible = \"arm,cortex-a15-gic\";",
            "compatible = \"arm,psci-1.0\\0arm,psci-0.2\";",
            "interrupts = <0x00 0x28 0x04>;",
            "compatible = \"ns16550a\";",
        }).SetName("Dtc decompiles arm64 GICv2 16550");

        yield return new TestCaseData(new FdtGuestDescription
        {
            Architecture = FdtArchitecture.Riscv64,
            Memory = [new FdtRegion(0x4000_0000, 0x4000_0000)],
            CpuCount = 2,
            Bootargs = "console=ttyS0 earlycon=sbi",
        }, new[]
        {
            "bootargs = \"console=ttyS0 earlycon=sbi\";",
            "riscv,isa = \"rv64imafdc\";",
            "compatible = \"riscv,cpu-intc\";",
            "compatible = \"sifive,plic-1.0.0\\0riscv,plic0\";",
            "interrupts-extended = <0x01 0x09 0x02 0x09>;",
            "interrupt-parent = <0x03>;",
        }).SetName("Dtc decompiles riscv64 PLIC 16550");
    }

    [TestCaseSource(nameof(Guests))]
    public void Dtc_decompiles_our_dtb_without_warnings(FdtGuestDescription guest, string[] expected)
    {
        string dtb = Path.Combine(_dir, "guest.dtb");
        File.WriteAllBytes(dtb, FdtBuilder.Build(guest));

        var result = Dtc.Run(_dtc, "-I", "dtb", "-O", "dts", dtb);

        result.ExitCode.ShouldBe(0, result.Stderr);
        result.Stderr.ShouldBeEmpty(); // dtc prints its checks' warnings on stderr
        foreach (string line in expected)
        {
            result.Stdout.ShouldContain(line, Case.Sensitive);
        }
    }

    private static IEnumerable<TestCaseData> GuestsOnly() =>
        Guests().Select(c => new TestCaseData(c.Arguments[0]).SetName(c.TestName!.Replace("decompiles", "recompiles", StringComparison.Ordinal)));

    [TestCaseSource(nameof(GuestsOnly))]
    public void Dtc_recompiled_dtb_reads_back_as_the_same_tree(FdtGuestDescription guest)
    {
        byte[] ours = FdtBuilder.Build(guest);
        string dtb = Path.Combine(_dir, "ours.dtb");
        string dts = Path.Combine(_dir, "ours.dts");
        string theirs = Path.Combine(_dir, "theirs.dtb");
        File.WriteAllBytes(dtb, ours);
        Dtc.Run(_dtc, "-I", "dtb", "-O", "dts", "-o", dts, dtb).ExitCode.ShouldBe(0);

        var compile = Dtc.Run(_dtc, "-I", "dts", "-O", "dtb", "-o", theirs, dts);

        compile.ExitCode.ShouldBe(0, compile.Stderr);
        var a = FdtReader.Read(ours);
        var b = FdtReader.Read(File.ReadAllBytes(theirs));
        Describe(b.Root).ShouldBe(Describe(a.Root));
        b.MemoryReservations.ShouldBe(a.MemoryReservations);
    }

    [Test]
    public void Reader_reads_a_dtc_compiled_tree_with_padding_labels_and_reservations()
    {
        const string source = """
            /dts-v1/;
            /memreserve/ 0x40000000 0x10000;
            /memreserve/ 0x1000000000 0x2000;
            / {
                #address-cells = <2>;
                #size-cells = <2>;
                interrupt-parent = <&gic>;
                chosen {
                    bootargs = "console=ttyS0 quiet";
                    linux,initrd-start = /bits/ 64 <0x48000000>;
                    rng-seed = [de ad be ef];
                    stdout-path = &uart;
                };
                gic: interrupt-controller@8000000 {
                    compatible = "arm,gic-v3";
                    #interrupt-cells = <3>;
                    #address-cells = <0>;
                    interrupt-controller;
                    reg = <0x0 0x8000000 0x0 0x10000>;
                };
                uart: serial@9000000 {
                    compatible = "arm,pl011", "arm,primecell";
                    reg = <0x0 0x9000000 0x0 0x1000>;
                };
            };
            """;
        string dts = Path.Combine(_dir, "in.dts");
        string dtb = Path.Combine(_dir, "out.dtb");
        File.WriteAllText(dts, source);

        // -p 512: 512 bytes of free space after the blocks (totalsize grows), which readers must accept (§5.1).
        var compile = Dtc.Run(_dtc, "-I", "dts", "-O", "dtb", "-p", "512", "-o", dtb, dts);
        compile.ExitCode.ShouldBe(0, compile.Stderr);
        byte[] blob = File.ReadAllBytes(dtb);
        var tree = FdtReader.Read(blob);

        tree.Header.Version.ShouldBe(17u);
        tree.Header.TotalSize.ShouldBe((uint)blob.Length);
        tree.Header.TotalSize.ShouldBeGreaterThanOrEqualTo(tree.Header.OffDtStrings + tree.Header.SizeDtStrings + 512);
        tree.MemoryReservations.ShouldBe([new FdtRegion(0x4000_0000, 0x1_0000), new FdtRegion(0x10_0000_0000, 0x2000)]);
        tree.FindProperty("/chosen", "bootargs")!.AsString().ShouldBe("console=ttyS0 quiet");
        tree.FindProperty("/chosen", "linux,initrd-start")!.AsU64().ShouldBe(0x4800_0000ul);
        tree.FindProperty("/chosen", "rng-seed")!.Value.ToArray().ShouldBe([0xDE, 0xAD, 0xBE, 0xEF]);
        // dtc assigns the phandle for the &gic reference and turns &uart into the node's path.
        uint phandle = tree.FindProperty("/interrupt-controller@8000000", "phandle")!.AsU32();
        tree.Root.FindProperty("interrupt-parent")!.AsU32().ShouldBe(phandle);
        tree.FindProperty("/chosen", "stdout-path")!.AsString().ShouldBe("/serial@9000000");
        tree.FindProperty("/serial", "compatible")!.AsStringList().ShouldBe(["arm,pl011", "arm,primecell"]);
        tree.FindProperty("/serial@9000000", "reg")!.AsU32Array().ShouldBe([0u, 0x0900_0000u, 0u, 0x1000u]);
    }

    [Test]
    public void Reader_rejects_a_dtc_version_16_blob()
    {
        // dtc -V 16 omits size_dt_struct (DT spec v0.4 §5.2 "version 17 adds size_dt_struct"), which we require.
        string dts = Path.Combine(_dir, "v16.dts");
        string dtb = Path.Combine(_dir, "v16.dtb");
        File.WriteAllText(dts, "/dts-v1/;\n/ { compatible = \"x\"; };\n");
        Dtc.Run(_dtc, "-I", "dts", "-O", "dtb", "-V", "16", "-o", dtb, dts).ExitCode.ShouldBe(0);

        Should.Throw<LoaderException>(() => FdtReader.Read(File.ReadAllBytes(dtb))).Code.ShouldBe(LoaderError.InvalidDeviceTree);
    }

    // A canonical text form of a subtree: names, property names and value bytes, in order.
    private static string Describe(FdtNode node)
    {
        var lines = new List<string>();
        Walk(node, "/");
        return string.Join('\n', lines);

        void Walk(FdtNode n, string path)
        {
            lines.Add(path);
            lines.AddRange(n.Properties.Select(p => $"{path} {p.Name} = {Convert.ToHexString(p.Value.Span)}"));
            foreach (var child in n.Children)
            {
                Walk(child, path + child.Name + "/");
            }
        }
    }
}
