using System.Runtime.InteropServices;
using LoaderHarness.Loader.Boot.Configurator;
using LoaderHarness.Loader.Errors;
using Shouldly;

namespace LoaderHarness.Tests.Loader.Boot.Configurator;

/// <summary>
/// linux-loader v0.14 src/configurator/mod.rs tests <c>test_bootparam_list_addition</c> and
/// <c>test_bootparams</c>, reproduced step for step with the same dummy types.
/// </summary>
[TestFixture]
public sealed class BootParamsTests
{
    // The peer's test types: Foobar { _foo: [u8; 5] }, and u64-sized dummy header / section / module.
    [StructLayout(LayoutKind.Sequential, Pack = 1)]
    private struct Foobar
    {
        public byte A, B, C, D, E;
        public static Foobar Of(params byte[] b) => new() { A = b[0], B = b[1], C = b[2], D = b[3], E = b[4] };
    }

    private readonly record struct DummyHeader(ulong Dummy);
    private readonly record struct DummySection(ulong Dummy);
    private readonly record struct DummyModule(ulong Dummy);
    private readonly record struct OtherDummyModule(ulong Dummy);

    private static byte[] Bytes<T>(T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();

    private static BootConfiguratorFailure FailureOf(Action action) => Should.Throw<BootConfiguratorException>(action).Failure;

    [Test]
    public void Test_bootparam_list_addition_appends_places_and_splices()
    {
        byte[] accumulator = [];
        const ulong start = 0x1000;
        var element = Bytes(default(Foobar));

        // Error case: start address not specified.
        ulong? none = null;
        FailureOf(() => BootParams.AddBootParameterToList(element, null, ref accumulator, ref none)).ShouldBe(BootConfiguratorFailure.MissingStartAddress);

        // Success case: start address is set, element address not specified - will be appended.
        ulong? someStart = start;
        BootParams.AddBootParameterToList(element, null, ref accumulator, ref someStart).ShouldBe(start);
        accumulator.ShouldBe(element);

        // Success case: start address is unset, element address is specified.
        ulong? listStart = null;
        BootParams.AddBootParameterToList(element, start, ref accumulator, ref listStart).ShouldBe(start);
        listStart.ShouldBe(start);
        accumulator.ShouldBe(element);

        // Error case: start address is set, element address is specified, but precedes start.
        FailureOf(() => BootParams.AddBootParameterToList(element, start - 0x100, ref accumulator, ref listStart)).ShouldBe(BootConfiguratorFailure.InvalidAddress);

        // Case 1: element falls in the middle of the accumulator. Start by adding 2 elements.
        accumulator = [];
        BootParams.AddBootParameterToList(element, null, ref accumulator, ref listStart);
        BootParams.AddBootParameterToList(Bytes(Foobar.Of(2, 2, 2, 3, 3)), null, ref accumulator, ref listStart);
        accumulator.ShouldBe(new byte[] { 0, 0, 0, 0, 0, 2, 2, 2, 3, 3 });

        // Add a 3rd one that overlaps with the middle of element 1.
        BootParams.AddBootParameterToList(Bytes(Foobar.Of(1, 1, 1, 1, 1)), start + 5 + 3, ref accumulator, ref listStart);
        accumulator.ShouldBe(new byte[] { 0, 0, 0, 0, 0, 2, 2, 2, 1, 1, 1, 1, 1 });
        accumulator.Length.ShouldBe(13);
    }

    [Test]
    public void Test_bootparams_sets_and_adds_sections_and_modules()
    {
        // Test building bootparams from header.
        var hdr = new DummyHeader(0);
        var bootparams = BootParams.Create(hdr, 0x1000);
        bootparams.Header.ShouldBe(Bytes(hdr));
        bootparams.HeaderStart.ShouldBe(0x1000UL);

        // Test setting sections.
        bootparams.SetSections<DummySection>(new DummySection[2], 0x2000);
        bootparams.Sections.ShouldBe(new byte[2 * 8]);
        bootparams.SectionsStart.ShouldBe(0x2000UL);

        // Test overwriting sections.
        bootparams.SetSections<DummySection>(new DummySection[3], 0x3000);
        bootparams.Sections.ShouldBe(new byte[3 * 8]);
        bootparams.SectionsStart.ShouldBe(0x3000UL);

        // Test appending a new section.
        bootparams.AddSection(default(DummySection)).ShouldBe(0x3000UL + 3 * 8);
        bootparams.Sections.ShouldBe(new byte[4 * 8]);
        bootparams.SectionsStart.ShouldBe(0x3000UL);

        // Test setting modules.
        bootparams.SetModules<DummyModule>(new DummyModule[2], 0x4000);
        bootparams.Modules.ShouldBe(new byte[2 * 8]);
        bootparams.ModulesStart.ShouldBe(0x4000UL);

        // Test overwriting modules.
        bootparams.SetModules<DummyModule>(new DummyModule[3], 0x5000);
        bootparams.Modules.ShouldBe(new byte[3 * 8]);
        bootparams.ModulesStart.ShouldBe(0x5000UL);

        // Test appending a new module, then one of a different type.
        bootparams.AddModule(default(DummyModule)).ShouldBe(0x5000UL + 3 * 8);
        bootparams.AddModule(default(OtherDummyModule)).ShouldBe(0x5000UL + 3 * 8 + 8);
    }

    [Test]
    public void Add_section_needs_a_start_then_overwrites_at_it_and_appends_after()
    {
        // linux-loader add_section doc example.
        var bootparams = BootParams.Create(new DummyHeader(0), 0x1000);
        FailureOf(() => bootparams.AddSection(new DummySection(7))).ShouldBe(BootConfiguratorFailure.MissingStartAddress);
        bootparams.AddSection(new DummySection(7), 0x2000).ShouldBe(0x2000UL);
        bootparams.AddSection(new DummySection(9), 0x2000).ShouldBe(0x2000UL);
        var invalid = Should.Throw<BootConfiguratorException>(() => bootparams.AddSection(new DummySection(1), 0x1F00));
        invalid.Code.ShouldBe(LoaderError.InvalidAddress);
        bootparams.AddSection(new DummySection(1)).ShouldBe(0x2008UL);
        bootparams.Sections.ShouldBe([.. Bytes(new DummySection(9)), .. Bytes(new DummySection(1))]);
    }

    [Test]
    public void An_append_past_two_to_the_64_is_overflow()
    {
        byte[] accumulator = new byte[8];
        ulong? listStart = ulong.MaxValue - 4;
        Should.Throw<BootConfiguratorException>(() => BootParams.AddBootParameterToList(new byte[8], null, ref accumulator, ref listStart))
            .Code.ShouldBe(LoaderError.BootParameterOverflow);
    }
}
