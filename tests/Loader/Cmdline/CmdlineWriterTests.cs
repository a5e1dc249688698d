using LoaderHarness.Loader.Cmdline;
using LoaderHarness.Loader.Errors;
using LoaderHarness.Loader.Memory;
using NUnit.Framework;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Cmdline;

/// <summary>
/// CmdlineWriter against linux-loader's load_cmdline (src/loader/mod.rs) and its tests: an end past the last
/// guest address is CommandLineOverflow, as is a line longer than the kernel takes; a line inside guest memory's
/// span that crosses a hole cannot be written, CommandLineCopy.
/// </summary>
[TestFixture]
public class CmdlineWriterTests
{
    // linux-loader src/loader/mod.rs tests: MEM_SIZE.
    private const ulong MemSize = 0x100_0000;
    private const ulong NoLimit = ulong.MaxValue;

    private static LoaderError ErrorOf(Action action) => Should.Throw<LoaderException>(action).Code;

    private static KernelCmdline Line(string text)
    {
        var cl = new KernelCmdline(4096);
        cl.InsertString(text);
        return cl;
    }

    // linux-loader: test_cmdline_overflow ("12345" + NUL is 6 bytes).
    [Test]
    public void Cmdline_overflow()
    {
        using var memory = GuestMemory.Flat(MemSize);
        var cl = new KernelCmdline(10);
        cl.InsertString("12345");

        ErrorOf(() => CmdlineWriter.Write(memory, ulong.MaxValue - 5, cl, NoLimit)).ShouldBe(LoaderError.CommandLineOverflow);
        ErrorOf(() => CmdlineWriter.Write(memory, MemSize - 5, cl, NoLimit)).ShouldBe(LoaderError.CommandLineOverflow);
        CmdlineWriter.Write(memory, MemSize - 6, cl, NoLimit).ShouldBe(6);
        memory.ReadBytes(MemSize - 6, 6).ShouldBe("12345\0"u8.ToArray());
    }

    // linux-loader: test_cmdline_write_end_regresion — an empty line still writes its NUL.
    [Test]
    public void Test_cmdline_write_end_regresion_writes_up_to_the_end_of_ram()
    {
        using var memory = GuestMemory.Flat(MemSize);
        const ulong address = 45;
        memory.Fill(address, 100, 1);

        var cl = new KernelCmdline(10);
        CmdlineWriter.Write(memory, address, cl, NoLimit).ShouldBe(1);
        memory.ReadU8(address).ShouldBe((byte)0);
        memory.ReadU8(address + 1).ShouldBe((byte)1);

        cl.InsertString("123");
        CmdlineWriter.Write(memory, address, cl, NoLimit).ShouldBe(4);
        memory.ReadBytes(address, 5).ShouldBe(new byte[] { (byte)'1', (byte)'2', (byte)'3', 0, 1 });
    }

    // boot.rst: cmdline_size (setup header 0x238) is the longest line without its NUL, so the writer gets
    // cmdline_size + 1; one byte more is refused and nothing is written.
    [Test]
    public void Line_longer_than_the_kernel_takes_is_refused()
    {
        using var memory = GuestMemory.Flat(MemSize);
        memory.Fill(0x1000, 16, 0xAA);
        var cl = Line("12345");

        ErrorOf(() => CmdlineWriter.Write(memory, 0x1000, cl, maxBytes: 5)).ShouldBe(LoaderError.CommandLineOverflow);
        memory.ReadBytes(0x1000, 16).ShouldAllBe(b => b == 0xAA);

        CmdlineWriter.Write(memory, 0x1000, cl, maxBytes: 6).ShouldBe(6);
        memory.ReadBytes(0x1000, 7).ShouldBe(new byte[] { (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', 0, 0xAA });
    }

    // A line running from RAM into a hole must not be half written.
    [Test]
    public void Line_crossing_a_hole_writes_nothing()
    {
        using var memory = new GuestMemory([new GuestRegion(0, 0x1000), new GuestRegion(0x2000, 0x1000)]);
        memory.Fill(0xFF0, 0x10, 0xAA);

        ErrorOf(() => CmdlineWriter.Write(memory, 0xFFD, Line("12345"), NoLimit)).ShouldBe(LoaderError.CommandLineCopy);
        memory.ReadBytes(0xFF0, 0x10).ShouldAllBe(b => b == 0xAA);

        ErrorOf(() => CmdlineWriter.Write(memory, 0x1800, Line("x"), NoLimit)).ShouldBe(LoaderError.CommandLineCopy);
        // Past the last region's end is an overflow, as in linux-loader, whatever holes come before.
        ErrorOf(() => CmdlineWriter.Write(memory, 0x2FFF, Line("x"), NoLimit)).ShouldBe(LoaderError.CommandLineOverflow);
        CmdlineWriter.Write(memory, 0x2FFE, Line("x"), NoLimit).ShouldBe(2);
    }

    // linux-loader load_cmdline fails (as InvalidCommandLine) when as_cstring fails; we pass on the
    // line's own code, and write nothing.
    [Test]
    public void Unrenderable_line_writes_nothing()
    {
        using var memory = GuestMemory.Flat(MemSize);
        memory.Fill(0x1000, 8, 0xAA);
        var initOnly = new KernelCmdline(100);
        initOnly.InsertInitArgs("single");

        ErrorOf(() => CmdlineWriter.Write(memory, 0x1000, initOnly, NoLimit)).ShouldBe(LoaderError.NoBootArgsInserted);
        ErrorOf(() => CmdlineWriter.Write(memory, 0x1000, KernelCmdline.Parse("a\0b", 100), NoLimit)).ShouldBe(LoaderError.NullTerminator);
        memory.ReadBytes(0x1000, 8).ShouldAllBe(b => b == 0xAA);
    }

    // Boot and init args land as the kernel will split them (init/main.c: args after "--" go to init).
    [Test]
    public void Writes_boot_then_init_args()
    {
        using var memory = GuestMemory.Flat(MemSize);
        var cl = KernelCmdline.Parse("console=ttyS0 -- single", 100);
        CmdlineWriter.Write(memory, 0x2_0000, cl, 2048).ShouldBe(24);
        memory.ReadCString(0x2_0000, 2048).ShouldBe("console=ttyS0 -- single");
        memory.ReadU8(0x2_0000 + 23).ShouldBe((byte)0);
    }
}
