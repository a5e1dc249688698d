using System.Buffers.Binary;
using System.Text;
using LoaderHarness.Emulator.Vcpu.Smbios;
using Shouldly;

namespace LoaderHarness.Tests.Emulator.Vcpu.Smbios;

/// <summary>The SMBIOS tables of Cloud Hypervisor (arch/src/x86_64/smbios.rs setup_smbios, no serial, UUID or OEM strings) and crosvm, byte for byte.</summary>
[TestFixture]
public sealed class VmmSmbiosTests
{
    private readonly byte[] _bytes = Contiguous(VmmSmbios.CloudHypervisor());

    [Test]
    public void The_entry_point_is_a_3_2_0_one_whose_bytes_sum_to_zero_and_that_points_right_after_itself()
    {
        var ep = _bytes.AsSpan(0, SmbiosTables.EntryPoint64Length);
        Encoding.ASCII.GetString(ep[..5]).ShouldBe("_SM3_");
        (ep[6], ep[7], ep[8], ep[9], ep[10]).ShouldBe(((byte)0x18, (byte)3, (byte)2, (byte)0, (byte)1)); // length, 3.2.0, entry point revision 1
        var sum = 0;
        foreach (var b in ep)
            sum += b;
        (sum & 0xFF).ShouldBe(0);
        BinaryPrimitives.ReadUInt32LittleEndian(ep[12..]).ShouldBe((uint)(_bytes.Length - SmbiosTables.EntryPoint64Length));
        BinaryPrimitives.ReadUInt64LittleEndian(ep[16..]).ShouldBe(0xF_0018UL);
    }

    [Test]
    public void The_structures_are_bios_system_and_end_of_table_with_their_strings()
    {
        var table = _bytes.AsSpan(SmbiosTables.EntryPoint64Length);
        // smbios.rs SmbiosBiosInfo: 0x14 bytes, handle 1, vendor 1, version 2, characteristics PCI_SUPPORTED, ext2 IS_VIRTUAL_MACHINE.
        table[..20].ToArray().ShouldBe(new byte[] { 0, 0x14, 1, 0, 1, 2, 0, 0, 0, 0, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0x10 });
        var strings = "cloud-hypervisor\00\0\0"u8;
        table.Slice(20, strings.Length).SequenceEqual(strings).ShouldBeTrue();
        var system = table[(20 + strings.Length)..];
        // SmbiosSysInfo: 0x1B bytes, handle 2, manufacturer 1, product 2, the nil UUID.
        system[..4].ToArray().ShouldBe(new byte[] { 1, 0x1B, 2, 0 });
        (system[4], system[5]).ShouldBe(((byte)1, (byte)2));
        system[6..27].ToArray().ShouldAllBe(b => b == 0);
        var systemStrings = "Cloud Hypervisor\0cloud-hypervisor\0\0"u8;
        system.Slice(27, systemStrings.Length).SequenceEqual(systemStrings).ShouldBeTrue();
        // SmbiosEndOfTable, handle 3, and its empty string set.
        system[(27 + systemStrings.Length)..].ToArray().ShouldBe(new byte[] { 127, 4, 3, 0, 0, 0 });
    }

    [Test]
    public void Crosvm_writes_the_same_structures_with_its_own_strings()
    {
        var crosvm = Contiguous(VmmSmbios.Crosvm());
        var text = System.Text.Encoding.ASCII.GetString(crosvm);
        text.ShouldContain("crosvm\00\0\0"); // x86_64/src/smbios.rs DEFAULT_SMBIOS_BIOS_VENDOR, _VERSION
        text.ShouldContain("ChromiumOS\0crosvm\0\0"); // DEFAULT_SMBIOS_MANUFACTURER, _PRODUCT_NAME
        crosvm.Length.ShouldBe(_bytes.Length - ("cloud-hypervisor".Length - "crosvm".Length) * 2 - ("Cloud Hypervisor".Length - "ChromiumOS".Length));
        crosvm.AsSpan(SmbiosTables.EntryPoint64Length, 20).SequenceEqual(_bytes.AsSpan(SmbiosTables.EntryPoint64Length, 20)).ShouldBeTrue();
    }

    /// <summary>The entry point and the table, which both VMMs put right after it.</summary>
    private static byte[] Contiguous(SmbiosTables tables)
    {
        tables.TableAddress.ShouldBe(tables.Address + SmbiosTables.EntryPoint64Length);
        return [.. tables.EntryPoint(), .. tables.Table()];
    }
}
