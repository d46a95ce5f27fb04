using System.Net;
using Dragonflow.OpenFlow.Actions;
using Dragonflow.OpenFlow.Matching;

namespace Dragonflow.Controller.Apps;

/// <summary>
/// The switch answers an ARP request itself: the request is turned into the reply in place
/// (RFC 826: swap sender and target, op 2, sender = the owner) and sent back out of the port it
/// came in on. Used wherever a known address is answered without bothering its owner.
/// </summary>
public static class ArpReply
{
    /// <summary>Match fields of "who has <paramref name="ip"/>" (add the app's scope: metadata, in_port).</summary>
    public static MatchField[] RequestFor(IPAddress ip) =>
        [MatchField.EthType(Dragonflow.Model.EtherTypes.Arp), MatchField.Exact(OxmFields.ArpOp, 1), MatchField.Ip(OxmFields.ArpTpa, ip)];

    /// <summary>The actions that answer with <paramref name="mac"/> as the owner of <paramref name="ip"/>.</summary>
    public static InstructionSet From(MacAddress mac, IPAddress ip) =>
        InstructionSet.Apply(
        [
            new RegMove(Subfield.Whole(OxmFields.EthSrc), Subfield.Whole(OxmFields.EthDst)),
            new SetField(MatchField.EthSrc(mac)),
            new SetField(MatchField.Exact(OxmFields.ArpOp, 2)),
            new RegMove(Subfield.Whole(OxmFields.ArpSha), Subfield.Whole(OxmFields.ArpTha)),
            new RegMove(Subfield.Whole(OxmFields.ArpSpa), Subfield.Whole(OxmFields.ArpTpa)),
            new SetField(MatchField.Exact(OxmFields.ArpSha, mac.Value)),
            new SetField(MatchField.Ip(OxmFields.ArpSpa, ip)),
            Output.InPort,
        ]);
}
