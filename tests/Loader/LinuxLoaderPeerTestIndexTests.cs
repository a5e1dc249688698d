using System.Reflection;
using LoaderHarness.Tests.Loader.Boot.Configurator;
using LoaderHarness.Tests.Loader.Cmdline;
using LoaderHarness.Tests.Loader.Images.BzImage;
using LoaderHarness.Tests.Loader.Images.Elf;
using LoaderHarness.Tests.Loader.Images.Image;
using Shouldly;

namespace LoaderHarness.Tests.Loader;

/// <summary>
/// Every unit test of rust-vmm linux-loader v0.14 (src/**/*.rs <c>#[test]</c> functions), by name, with the tests
/// here that reproduce it. A peer test with no counterpart, or a counterpart renamed away, fails this index.
/// </summary>
[TestFixture]
public sealed class LinuxLoaderPeerTestIndexTests
{
    private static readonly (string Peer, Type Fixture, string[] Ours)[] Index =
    [
        // src/cmdline/mod.rs
        ("cmdline::test_insert_hello_world", typeof(KernelCmdlineTests), ["Insert_hello_world"]),
        ("cmdline::test_insert_multi", typeof(KernelCmdlineTests), ["Insert_multi"]),
        ("cmdline::test_insert_space", typeof(KernelCmdlineTests), ["Insert_space"]),
        ("cmdline::test_insert_equals", typeof(KernelCmdlineTests), ["Insert_equals"]),
        ("cmdline::test_insert_emoji", typeof(KernelCmdlineTests), ["Insert_emoji"]),
        ("cmdline::test_insert_string", typeof(KernelCmdlineTests), ["Insert_string"]),
        ("cmdline::test_insert_too_large", typeof(KernelCmdlineTests), ["Insert_too_large"]),
        ("cmdline::test_add_virtio_mmio_device", typeof(KernelCmdlineTests), ["Add_virtio_mmio_device"]),
        ("cmdline::test_insert_kv", typeof(KernelCmdlineTests), ["Test_insert_kv_inserts_key_values"]),
        ("cmdline::test_try_from_cmdline_for_vec", typeof(KernelCmdlineTests), ["Test_try_from_cmdline_for_vec_gives_the_bytes_with_their_nul"]),
        ("cmdline::test_partial_eq", typeof(KernelCmdlineTests), ["Test_partial_eq_follows_the_rendered_line"]),
        ("cmdline::test_try_from", typeof(KernelCmdlineTests), ["Test_try_from_splits_boot_and_init_args", "Parse_checks_capacity"]),
        ("cmdline::test_error_try_from", typeof(KernelCmdlineTests), ["Test_error_try_from_gives_the_parse_errors"]),
        ("cmdline::test_as_cstring", typeof(KernelCmdlineTests), ["Test_as_cstring_renders_boot_then_init_args"]),
        // src/configurator/mod.rs, x86_64/linux.rs, x86_64/pvh.rs, fdt.rs
        ("configurator::test_error_messages", typeof(BootConfiguratorTests), ["Test_error_messages_of_the_configurator"]),
        ("configurator::test_bootparam_list_addition", typeof(BootParamsTests), ["Test_bootparam_list_addition_appends_places_and_splices"]),
        ("configurator::test_bootparams", typeof(BootParamsTests), ["Test_bootparams_sets_and_adds_sections_and_modules"]),
        ("configurator::linux::test_configure_linux_boot", typeof(BootConfiguratorTests), ["Test_configure_linux_boot_rejects_a_zero_page_past_ram_end_and_writes_one_inside"]),
        ("configurator::linux::test_error_messages", typeof(BootConfiguratorTests), ["Test_error_messages_of_the_linux_boot_configurator"]),
        ("configurator::pvh::test_configure_pvh_boot", typeof(BootConfiguratorTests), ["Test_configure_pvh_boot_checks_memmap_start_info_and_modules"]),
        ("configurator::pvh::test_error_messages", typeof(BootConfiguratorTests), ["Test_error_messages_of_the_pvh_boot_configurator"]),
        ("configurator::fdt::test_configure_fdt_boot", typeof(BootConfiguratorTests), ["Test_configure_fdt_boot_rejects_a_dtb_past_ram_end"]),
        ("configurator::fdt::test_error_messages", typeof(BootConfiguratorTests), ["Test_error_messages_of_the_fdt_boot_configurator"]),
        // src/loader/mod.rs
        ("loader::test_cmdline_overflow", typeof(CmdlineWriterTests), ["Cmdline_overflow"]),
        ("loader::test_cmdline_write_end_regresion", typeof(CmdlineWriterTests), ["Test_cmdline_write_end_regresion_writes_up_to_the_end_of_ram"]),
        // src/loader/bzimage/mod.rs
        ("bzimage::test_load_bzImage", typeof(BzImagePeerRealKernelTests), ["Test_load_bzimage_at_an_offset_at_code32_start_and_below_high_memory"]),
        ("bzimage::test_invalid_bzimage_underflow", typeof(BzImageKernelTests), ["Test_invalid_bzimage_underflow_rejects_the_fuzzer_image"]),
        // src/loader/elf/mod.rs
        ("elf::test_load_elf", typeof(ElfKernelPeerTests), ["Test_load_elf_loads_at_entry_plus_offset", "Test_load_elf_rejects_an_entry_below_high_memory"]),
        ("elf::test_bad_magic_number", typeof(ElfKernelPeerTests), ["Test_bad_magic_number_is_invalid_elf_magic_number"]),
        ("elf::test_bad_endian", typeof(ElfKernelPeerTests), ["Test_bad_endian_is_big_endian_elf_on_little"]),
        ("elf::test_bad_phoff", typeof(ElfKernelPeerTests), ["Test_bad_phoff_inside_the_elf_header_is_invalid_program_header_offset", "Test_bad_phoff_past_the_end_of_the_file_is_read_program_header"]),
        ("elf::test_load_pvh", typeof(ElfKernelPeerTests), ["Test_load_pvh_reports_the_note_entry_and_ignores_it_at_an_offset"]),
        ("elf::test_dummy_elfnote", typeof(ElfKernelPeerTests), ["Test_dummy_elfnote_is_not_a_pvh_entry"]),
        ("elf::test_bad_elfnote", typeof(ElfKernelPeerTests), ["Test_bad_elfnote_is_invalid_pvh_note"]),
        ("elf::test_load_pvh_with_align", typeof(ElfKernelPeerTests), ["Test_load_pvh_with_align_ignores_a_bad_p_align", "Test_load_pvh_with_align_reads_the_8_byte_aligned_note"]),
        ("elf::test_overflow_loadaddr", typeof(ElfKernelPeerTests), ["Test_overflow_loadaddr_is_an_error_not_a_wrap"]),
        // src/loader/pe/mod.rs
        ("pe::load_arm64_image", typeof(ImageKernelPeerTests), ["Load_arm64_image_at_base_plus_text_offset_refusing_a_bad_base_or_magic"]),
        ("pe::load_riscv64_image", typeof(ImageKernelPeerTests), ["Load_riscv64_image_at_base_plus_text_offset_refusing_a_bad_base_or_magic"]),
    ];

    private static IEnumerable<TestCaseData> Entries() =>
        Index.Select(e => new TestCaseData(e.Fixture, e.Ours).SetArgDisplayNames(e.Peer));

    [TestCaseSource(nameof(Entries))]
    public void Each_peer_test_has_its_counterparts(Type fixture, string[] ours)
    {
        foreach (var name in ours)
        {
            var method = fixture.GetMethod(name, BindingFlags.Public | BindingFlags.Instance);
            method.ShouldNotBeNull($"{fixture.Name}.{name} is gone");
            method.GetCustomAttributes().Any(a => a is TestAttribute or TestCaseAttribute or TestCaseSourceAttribute)
                .ShouldBeTrue($"{fixture.Name}.{name} is not a test");
        }
    }

    private static IEnumerable<TestCaseData> Names() =>
        Index.Select(e => new TestCaseData(e.Peer, e.Ours[0]).SetArgDisplayNames(e.Peer));

    [TestCaseSource(nameof(Names))]
    public void Each_peer_test_is_mirrored_by_name(string peer, string ours)
    {
        // The first counterpart starts with the peer's function name, with or without its "test_", in sentence case:
        // test_bad_endian → Test_bad_endian_…, test_insert_multi → Insert_multi, load_arm64_image → Load_arm64_image_….
        var function = peer[(peer.LastIndexOf(':') + 1)..];
        var bare = function.StartsWith("test_", StringComparison.Ordinal) ? function["test_".Length..] : function;
        (ours.StartsWith(function, StringComparison.OrdinalIgnoreCase) || ours.StartsWith(bare, StringComparison.OrdinalIgnoreCase))
            .ShouldBeTrue($"{ours} does not carry the name of {peer}");
    }

    [Test]
    public void The_index_lists_all_38_peer_tests() =>
        // `git grep "fn test_\|fn load_a\|fn load_r" src` in linux-loader v0.14: 38 #[test] functions.
        Index.Select(e => e.Peer).Distinct().Count().ShouldBe(38);
}
