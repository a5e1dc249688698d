using System.Text;
using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Cmdline;

/// <summary>
/// KernelCmdline against rust-vmm linux-loader src/cmdline/mod.rs: each test named after a linux-loader
/// test mirrors it assertion by assertion (error names map TooLarge → CommandLineTooLarge,
/// MissingVal → MissingValue); the rest pin behaviour that follows from the same source.
/// </summary>
[TestFixture]
public class KernelCmdlineTests
{
    // linux-loader src/cmdline/mod.rs tests: CMDLINE_MAX_SIZE.
    private const int MaxSize = 4096;

    private static LoaderError ErrorOf(Action action) => Should.Throw<LoaderException>(action).Code;

    private static string Rendered(KernelCmdline cl) => Encoding.ASCII.GetString(cl.AsCString());

    // linux-loader: test_insert_hello_world
    [Test]
    public void Insert_hello_world()
    {
        var cl = new KernelCmdline(100);
        cl.AsCString().ShouldBe("\0"u8.ToArray());
        cl.Insert("hello", "world");
        cl.AsCString().ShouldBe("hello=world\0"u8.ToArray());
    }

    // linux-loader: test_insert_multi
    [Test]
    public void Insert_multi()
    {
        var cl = new KernelCmdline(100);
        cl.Insert("hello", "world");
        cl.Insert("foo", "bar");
        Rendered(cl).ShouldBe("hello=world foo=bar\0");
    }

    // linux-loader: test_insert_space
    [Test]
    public void Insert_space()
    {
        var cl = new KernelCmdline(100);
        ErrorOf(() => cl.Insert("a ", "b")).ShouldBe(LoaderError.HasSpace);
        ErrorOf(() => cl.Insert("a", "b ")).ShouldBe(LoaderError.NoQuoteSpace);
        ErrorOf(() => cl.Insert("a ", "b ")).ShouldBe(LoaderError.HasSpace);
        ErrorOf(() => cl.Insert(" a", "b")).ShouldBe(LoaderError.HasSpace);
        ErrorOf(() => cl.Insert("a", "hello \"world")).ShouldBe(LoaderError.InvalidQuote);
        ErrorOf(() => cl.Insert("a", "\"foor bar\" \"foor bar\"")).ShouldBe(LoaderError.InvalidQuote);
        Rendered(cl).ShouldBe("\0");
        cl.Insert("a", "\"b b\"");
        cl.Insert("c", "\" d\"");
        Rendered(cl).ShouldBe("a=\"b b\" c=\" d\"\0");
    }

    // linux-loader: test_insert_equals. Values may hold '=' since linux-loader split valid_element into
    // valid_key/valid_value (older releases rejected insert("a", "b=") with HasEquals).
    [Test]
    public void Insert_equals()
    {
        var cl = new KernelCmdline(100);
        ErrorOf(() => cl.Insert("a=", "b")).ShouldBe(LoaderError.HasEquals);
        ErrorOf(() => cl.Insert("a=", "b ")).ShouldBe(LoaderError.HasEquals);
        ErrorOf(() => cl.Insert("=a", "b")).ShouldBe(LoaderError.HasEquals);
        Rendered(cl).ShouldBe("\0");
        cl.Insert("root", "PARTUUID=1234");
        Rendered(cl).ShouldBe("root=PARTUUID=1234\0");
    }

    // linux-loader: test_insert_emoji
    [Test]
    public void Insert_emoji()
    {
        var cl = new KernelCmdline(100);
        ErrorOf(() => cl.Insert("heart", "💖")).ShouldBe(LoaderError.InvalidAscii);
        ErrorOf(() => cl.Insert("💖", "love")).ShouldBe(LoaderError.InvalidAscii);
        ErrorOf(() => cl.InsertString("heart=💖")).ShouldBe(LoaderError.InvalidAscii);
        ErrorOf(() => cl.InsertMultiple("💖", "heart", "love")).ShouldBe(LoaderError.InvalidAscii);
        ErrorOf(() => cl.InsertMultiple("heart", "💖", "love")).ShouldBe(LoaderError.InvalidAscii);
        Rendered(cl).ShouldBe("\0");
    }

    // linux-loader: test_insert_string
    [Test]
    public void Insert_string()
    {
        var cl = new KernelCmdline(13);
        Rendered(cl).ShouldBe("\0");
        cl.InsertString("noapic");
        Rendered(cl).ShouldBe("noapic\0");
        cl.InsertString("nopci");
        Rendered(cl).ShouldBe("noapic nopci\0");
    }

    // linux-loader: test_insert_too_large
    [Test]
    public void Insert_too_large()
    {
        var cl = new KernelCmdline(4);
        ErrorOf(() => cl.Insert("hello", "world")).ShouldBe(LoaderError.CommandLineTooLarge);
        ErrorOf(() => cl.Insert("a", "world")).ShouldBe(LoaderError.CommandLineTooLarge);
        ErrorOf(() => cl.Insert("hello", "b")).ShouldBe(LoaderError.CommandLineTooLarge);
        cl.Insert("a", "b");
        ErrorOf(() => cl.Insert("a", "b")).ShouldBe(LoaderError.CommandLineTooLarge);
        ErrorOf(() => cl.InsertString("a")).ShouldBe(LoaderError.CommandLineTooLarge);
        Rendered(cl).ShouldBe("a=b\0");

        cl = new KernelCmdline(10);
        cl.Insert("ab", "ba"); // 5 bytes; 4 left
        ErrorOf(() => cl.Insert("c", "da")).ShouldBe(LoaderError.CommandLineTooLarge); // 5 with the space
        cl.Insert("c", "d"); // 4 with the space

        cl = new KernelCmdline(11);
        cl.Insert("ab", "ba"); // 5 left
        ErrorOf(() => cl.InsertInitArgs("da")).ShouldBe(LoaderError.CommandLineTooLarge); // 6 with " -- "
        cl.InsertInitArgs("d"); // 5 with " -- "

        cl = new KernelCmdline(20);
        cl.Insert("ab", "ba"); // 14 left
        cl.InsertInitArgs("da"); // 8 left
        ErrorOf(() => cl.InsertInitArgs("abcdabcd")).ShouldBe(LoaderError.CommandLineTooLarge); // 9 with the space
        cl.InsertInitArgs("abcdabc"); // 8 with the space
        Rendered(cl).Length.ShouldBe(20);
    }

    // linux-loader: test_add_virtio_mmio_device
    [Test]
    public void Add_virtio_mmio_device()
    {
        var cl = new KernelCmdline(5);
        ErrorOf(() => cl.AddVirtioMmioDevice(0, 0, 0)).ShouldBe(LoaderError.MmioSize);
        ErrorOf(() => cl.AddVirtioMmioDevice(1, 0, 0)).ShouldBe(LoaderError.CommandLineTooLarge);

        cl = new KernelCmdline(150);
        cl.AddVirtioMmioDevice(1, 0, 1);
        var expected = "virtio_mmio.device=1@0x0:1";
        cl.ToString().ShouldBe(expected);

        cl.AddVirtioMmioDevice(2 << 10, 0x100, 2);
        expected += " virtio_mmio.device=2K@0x100:2";
        cl.ToString().ShouldBe(expected);

        cl.AddVirtioMmioDevice(3 << 20, 0x1000, 3);
        expected += " virtio_mmio.device=3M@0x1000:3";
        cl.ToString().ShouldBe(expected);

        cl.AddVirtioMmioDevice(4UL << 30, 0x0001_0000, 4, 42);
        expected += " virtio_mmio.device=4G@0x10000:4:42";
        Rendered(cl).ShouldBe(expected + "\0");
    }

    // linux-loader guestusize_to_str: the largest of G/M/K dividing the size exactly, else plain bytes;
    // the base address is lowercase hex without padding (format "0x{:x?}").
    private static IEnumerable<TestCaseData> MmioSizes()
    {
        yield return new TestCaseData(1UL << 12, 0xD000_0000UL, "4K@0xd0000000").SetName("4 KiB");
        yield return new TestCaseData(0x600UL, 0x1000UL, "1536@0x1000").SetName("not a KiB multiple");
        yield return new TestCaseData((1UL << 30) + (1UL << 20), 0x1000UL, "1025M@0x1000").SetName("1 GiB + 1 MiB");
        yield return new TestCaseData(1536UL << 10, 0x1000UL, "1536K@0x1000").SetName("1.5 MiB");
        yield return new TestCaseData(1UL << 40, 0xFFFF_FFFF_0000UL, "1024G@0xffffffff0000").SetName("1 TiB");
    }

    [TestCaseSource(nameof(MmioSizes))]
    public void Virtio_mmio_size_and_address_format(ulong size, ulong baseAddress, string expected)
    {
        var cl = new KernelCmdline(MaxSize);
        cl.AddVirtioMmioDevice(size, baseAddress, 5);
        cl.ToString().ShouldBe($"virtio_mmio.device={expected}:5");
    }

    // linux-loader: test_insert_kv
    [Test]
    public void Test_insert_kv_inserts_key_values()
    {
        var cl = new KernelCmdline(10);
        ErrorOf(() => cl.InsertMultiple("foo=")).ShouldBe(LoaderError.HasEquals);
        ErrorOf(() => cl.InsertMultiple("foo")).ShouldBe(LoaderError.MissingValue);
        ErrorOf(() => cl.InsertMultiple("foo", "bar ")).ShouldBe(LoaderError.NoQuoteSpace);
        ErrorOf(() => cl.InsertMultiple("foo", "bar", "baz")).ShouldBe(LoaderError.CommandLineTooLarge);

        cl = new KernelCmdline(100);
        cl.InsertMultiple("foo", "bar");
        Rendered(cl).ShouldBe("foo=bar\0");

        cl = new KernelCmdline(100);
        cl.InsertMultiple("foo", "bar", "baz");
        Rendered(cl).ShouldBe("foo=bar,baz\0");
    }

    // linux-loader: test_try_from_cmdline_for_vec
    [Test]
    public void Test_try_from_cmdline_for_vec_gives_the_bytes_with_their_nul()
    {
        new KernelCmdline(MaxSize).AsCString().ShouldBe([0]);
        KernelCmdline.Parse("foo", MaxSize).AsCString().ShouldBe("foo\0"u8.ToArray());

        var cl = new KernelCmdline(MaxSize);
        cl.InsertInitArgs("foo--bar");
        ErrorOf(() => cl.AsCString()).ShouldBe(LoaderError.NoBootArgsInserted);
    }

    // linux-loader: test_partial_eq
    [Test]
    public void Test_partial_eq_follows_the_rendered_line()
    {
        var c1 = new KernelCmdline(20);
        var c2 = new KernelCmdline(30);
        c1.InsertString("hello world!");
        c2.InsertString("hello");
        c1.ShouldNotBe(c2);
        c2.InsertString("world!"); // InsertString adds the space before what it inserts
        c1.ShouldBe(c2);
        c1.GetHashCode().ShouldBe(c2.GetHashCode());

        var cl1 = new KernelCmdline(MaxSize);
        var cl2 = new KernelCmdline(MaxSize);
        cl1.ShouldBe(cl2);
        cl1.AddVirtioMmioDevice(1, 0, 1);
        cl1.ShouldNotBe(cl2);
        cl2.AddVirtioMmioDevice(1, 0, 1);
        cl1.ShouldBe(cl2);
    }

    // linux-loader PartialEq compares as_cstring() results, so two lines that both fail with
    // NoBootArgsInserted are equal whatever their init args.
    [Test]
    public void Lines_without_boot_args_compare_by_their_error()
    {
        var a = new KernelCmdline(MaxSize);
        var b = new KernelCmdline(MaxSize);
        a.InsertInitArgs("one");
        b.InsertInitArgs("two");
        a.ShouldBe(b);
        a.ShouldNotBe(new KernelCmdline(MaxSize));
    }

    // linux-loader: test_try_from (the capacity part).
    [Test]
    public void Parse_checks_capacity()
    {
        ErrorOf(() => KernelCmdline.Parse("foo --  bar", 0)).ShouldBe(LoaderError.InvalidCapacity);
        ErrorOf(() => KernelCmdline.Parse("foo --  bar", 10)).ShouldBe(LoaderError.InvalidCapacity);
        KernelCmdline.Parse("foo --  bar", 11).ToString().ShouldBe("foo -- bar");
    }

    // linux-loader: test_try_from (the splitting part): the first " -- " outside double quotes splits boot
    // args from init args; both are trimmed.
    private static IEnumerable<TestCaseData> Splits()
    {
        yield return new TestCaseData("hello=world foo=bar", "hello=world foo=bar", "");
        yield return new TestCaseData("hello=world -- foo=bar", "hello=world", "foo=bar");
        yield return new TestCaseData("hello=world --foo=bar -- arg1 --arg2", "hello=world --foo=bar", "arg1 --arg2");
        yield return new TestCaseData("arg1-- arg2 --arg3", "arg1-- arg2 --arg3", "");
        yield return new TestCaseData("--arg1-- -- arg2 -- --arg3", "--arg1--", "arg2 -- --arg3");
        yield return new TestCaseData("a=\"b -- c\" d -- e ", "a=\"b -- c\" d", "e");
        yield return new TestCaseData("foo--bar=baz a=\"b -- c\"", "foo--bar=baz a=\"b -- c\"", "");
        yield return new TestCaseData("--foo --bar", "--foo --bar", "");
        yield return new TestCaseData("foo=\"bar--baz\" foo", "foo=\"bar--baz\" foo", "");
    }

    [TestCaseSource(nameof(Splits))]
    public void Test_try_from_splits_boot_and_init_args(string raw, string boot, string init)
    {
        var cl = KernelCmdline.Parse(raw, MaxSize);
        cl.BootArgs.ShouldBe(boot);
        cl.InitArgs.ShouldBe(init);
    }

    // linux-loader: test_error_try_from
    [Test]
    public void Test_error_try_from_gives_the_parse_errors()
    {
        ErrorOf(() => KernelCmdline.Parse("", 0)).ShouldBe(LoaderError.InvalidCapacity);
        ErrorOf(() => KernelCmdline.Parse(new string('X', MaxSize), MaxSize - 1)).ShouldBe(LoaderError.InvalidCapacity);

        var cl = KernelCmdline.Parse("console=ttyS0 nomodules -- /etc/password --param", MaxSize);
        Rendered(cl).ShouldBe("console=ttyS0 nomodules -- /etc/password --param\0");
    }

    // linux-loader: test_as_cstring
    [Test]
    public void Test_as_cstring_renders_boot_then_init_args()
    {
        var cl = new KernelCmdline(MaxSize);
        cl.AsCString().ShouldBe([0]);
        cl.InsertInitArgs("/etc/password");
        ErrorOf(() => cl.AsCString()).ShouldBe(LoaderError.NoBootArgsInserted);
        cl.BootArgs.ShouldBe("");
        cl.InitArgs.ShouldBe("/etc/password");
        cl.Insert("console", "ttyS0");
        Rendered(cl).ShouldBe("console=ttyS0 -- /etc/password\0");
        cl.InsertString("nomodules");
        Rendered(cl).ShouldBe("console=ttyS0 nomodules -- /etc/password\0");
        cl.InsertInitArgs("--param");
        Rendered(cl).ShouldBe("console=ttyS0 nomodules -- /etc/password --param\0");
    }

    // linux-loader Cmdline::new returns InvalidCapacity for 0; a negative int has no usize counterpart.
    [TestCase(0)]
    [TestCase(-1)]
    public void Non_positive_capacity_is_rejected(int capacity)
        => ErrorOf(() => _ = new KernelCmdline(capacity)).ShouldBe(LoaderError.InvalidCapacity);

    // linux-loader try_from does not check characters, so a NUL only surfaces when rendering
    // (as_cstring → CString::new fails → NullTerminator); every Insert path rejects it as InvalidAscii.
    [Test]
    public void Interior_nul_fails_when_rendered()
    {
        var cl = KernelCmdline.Parse("a\0b", MaxSize);
        ErrorOf(() => cl.AsCString()).ShouldBe(LoaderError.NullTerminator);
        cl.ToString().ShouldBe("a\0b");
        ErrorOf(() => new KernelCmdline(MaxSize).InsertString("a\0b")).ShouldBe(LoaderError.InvalidAscii);
        ErrorOf(() => new KernelCmdline(MaxSize).Insert("a", "\0")).ShouldBe(LoaderError.InvalidAscii);
    }

    // linux-loader try_from measures with str::len, i.e. UTF-8 bytes: "💖" takes 4 bytes + NUL.
    [Test]
    public void Parse_counts_utf8_bytes()
    {
        ErrorOf(() => KernelCmdline.Parse("💖", 4)).ShouldBe(LoaderError.InvalidCapacity);
        KernelCmdline.Parse("💖", 5).AsCString().ShouldBe([0xF0, 0x9F, 0x92, 0x96, 0]);
    }

    // linux-loader insert_str / insert_init_args trim (str::trim: Unicode White_Space) before validating.
    [Test]
    public void Inserted_text_is_trimmed_first()
    {
        var cl = new KernelCmdline(MaxSize);
        cl.InsertString("\t noapic \n");
        cl.InsertInitArgs("  single\r\n");
        Rendered(cl).ShouldBe("noapic -- single\0");
        ErrorOf(() => cl.InsertString("no\tapic")).ShouldBe(LoaderError.InvalidAscii);
    }

    // linux-loader valid_value accepts "" and valid_key accepts "", and insert_str accepts an all-blank
    // string (it trims to "" and still adds the separating space): parity, not a recommendation.
    [Test]
    public void Empty_pieces_are_accepted_as_linux_loader_does()
    {
        var cl = new KernelCmdline(MaxSize);
        cl.Insert("quiet", "");
        cl.Insert("", "x");
        cl.InsertString("  ");
        cl.ToString().ShouldBe("quiet= =x ");
    }

    // linux-loader valid_value: a lone '"' is neither quoted (len < 2) nor holds an interior quote (len < 3).
    [TestCase("\"", null)]
    [TestCase("\"\"", null)]
    [TestCase("\"\"\"", LoaderError.InvalidQuote)]
    [TestCase("\"a\"b", LoaderError.InvalidQuote)]
    [TestCase("\"a b", LoaderError.NoQuoteSpace)]
    [TestCase("a b\"", LoaderError.NoQuoteSpace)]
    [TestCase("\" \"", null)]
    public void Value_quoting(string value, LoaderError? expected)
    {
        var cl = new KernelCmdline(MaxSize);
        if (expected is { } code)
            ErrorOf(() => cl.Insert("k", value)).ShouldBe(code);
        else
        {
            cl.Insert("k", value);
            cl.ToString().ShouldBe($"k={value}");
        }
    }

    // linux-loader insert_multiple joins with ',' and checks every value with valid_value.
    [Test]
    public void Insert_multiple_checks_every_value()
    {
        var cl = new KernelCmdline(MaxSize);
        ErrorOf(() => cl.InsertMultiple("k", "a", "b c")).ShouldBe(LoaderError.NoQuoteSpace);
        cl.InsertMultiple("console", "ttyS0", "115200n8");
        cl.ToString().ShouldBe("console=ttyS0,115200n8");
    }

    // A failed insert leaves the line as it was (linux-loader checks before it pushes).
    [Test]
    public void Failed_insert_changes_nothing()
    {
        var cl = new KernelCmdline(12);
        cl.InsertString("a");
        cl.InsertInitArgs("b");
        ErrorOf(() => cl.InsertString("cdefg")).ShouldBe(LoaderError.CommandLineTooLarge);
        ErrorOf(() => cl.InsertInitArgs("cdefg")).ShouldBe(LoaderError.CommandLineTooLarge);
        cl.ToString().ShouldBe("a -- b");
        cl.InsertString("cdef"); // exactly 12 bytes with the NUL
        Rendered(cl).ShouldBe("a cdef -- b\0");
    }

    // linux-loader: Cmdline derives Clone (v0.5): a copy renders the same and grows on its own.
    [Test]
    public void A_clone_is_equal_and_independent()
    {
        var cl = KernelCmdline.Parse("console=ttyS0 -- single", 64);
        var copy = cl.Clone();
        copy.ShouldBe(cl);
        copy.Capacity.ShouldBe(64);
        copy.InsertString("quiet");
        copy.InsertInitArgs("debug");
        copy.ToString().ShouldBe("console=ttyS0 quiet -- single debug");
        cl.ToString().ShouldBe("console=ttyS0 -- single");
        copy.ShouldNotBe(cl);
    }
}
