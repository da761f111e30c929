/// The filter rule an event came from: one per failregex of the stock filters (and one per
/// record kind of fail2ban.log), with a short stable name that `--events` output and reports
/// use. The names are a public contract (README, "Rules").
public enum Rule: UInt8, CaseIterable, Sendable, Comparable, CustomStringConvertible {
    case asteriskRegistrationFailed
    case asteriskCallRejected
    case asteriskAuthFailed
    case asteriskNoRegistration
    case asteriskHackingAttempt
    case asteriskSecurityEvent
    case asteriskRejectingUnknown
    case asteriskRequestFailed
    case asteriskSuccessfulAuth
    case sshdAuthenticationFailure
    case sshdUserNotKnown
    case sshdFailedPublickeyInvalidUser
    case sshdFailed
    case sshdRootLoginRefused
    case sshdInvalidUser
    case sshdNotListedInAllowUsers
    case sshdListedInDenyUsers
    case sshdNotInAnyGroup
    case sshdRefusedConnect
    case sshdAuthFailDisconnect
    case sshdGroupInDenyGroups
    case sshdNoGroupInAllowGroups
    case sshdPamAuthenticationFailure
    case sshdMaximumAttemptsExceeded
    case sshdAccountLocked
    case sshdChangeOfUsername
    case sshdTooManyAuthenticationFailures
    case sshdDisconnectByUser
    case sshdConnectionClosed
    case sshdConnectionClosedPreauth
    case sshdConnectionClosedHelper
    case sshdDisconnectedUserPreauth
    case sshdAccepted
    case sshdNoIdentification
    case sshdKexIdentification
    case sshdBadProtocolVersion
    case sshdServerLtype
    case sshdReadSocketReset
    case sshdBannerInvalidFormat
    case sshdNoAuthenticationMethods
    case sshdUnableToNegotiateWith
    case sshdUnableToNegotiate
    case sshdNoMatchingFound
    case sshdConnectionFrom
    case recidiveBan
    case fail2banFound
    case fail2banBan
    case fail2banUnban
    case fail2banRestoreBan

    /// The stable name, e.g. `asterisk.registration-failed`.
    public var name: String {
        switch self {
        case .asteriskRegistrationFailed: return "asterisk.registration-failed"
        case .asteriskCallRejected: return "asterisk.call-rejected"
        case .asteriskAuthFailed: return "asterisk.auth-failed"
        case .asteriskNoRegistration: return "asterisk.no-registration"
        case .asteriskHackingAttempt: return "asterisk.hacking-attempt"
        case .asteriskSecurityEvent: return "asterisk.security-event"
        case .asteriskRejectingUnknown: return "asterisk.rejecting-unknown"
        case .asteriskRequestFailed: return "asterisk.request-failed"
        case .asteriskSuccessfulAuth: return "asterisk.successful-auth"
        case .sshdAuthenticationFailure: return "sshd.authentication-failure"
        case .sshdUserNotKnown: return "sshd.user-not-known"
        case .sshdFailedPublickeyInvalidUser: return "sshd.failed-publickey-invalid-user"
        case .sshdFailed: return "sshd.failed"
        case .sshdRootLoginRefused: return "sshd.root-login-refused"
        case .sshdInvalidUser: return "sshd.invalid-user"
        case .sshdNotListedInAllowUsers: return "sshd.not-in-allowusers"
        case .sshdListedInDenyUsers: return "sshd.in-denyusers"
        case .sshdNotInAnyGroup: return "sshd.not-in-any-group"
        case .sshdRefusedConnect: return "sshd.refused-connect"
        case .sshdAuthFailDisconnect: return "sshd.disconnect-auth-fail"
        case .sshdGroupInDenyGroups: return "sshd.in-denygroups"
        case .sshdNoGroupInAllowGroups: return "sshd.not-in-allowgroups"
        case .sshdPamAuthenticationFailure: return "sshd.pam-auth-failure"
        case .sshdMaximumAttemptsExceeded: return "sshd.max-auth-attempts"
        case .sshdAccountLocked: return "sshd.account-locked"
        case .sshdChangeOfUsername: return "sshd.change-of-username"
        case .sshdTooManyAuthenticationFailures: return "sshd.too-many-auth-failures"
        case .sshdDisconnectByUser: return "sshd.disconnect-by-user"
        case .sshdConnectionClosed: return "sshd.connection-closed"
        case .sshdConnectionClosedPreauth: return "sshd.ddos.connection-closed-preauth"
        case .sshdConnectionClosedHelper: return "sshd.ddos.connection-closed"
        case .sshdDisconnectedUserPreauth: return "sshd.extra.disconnected-preauth"
        case .sshdAccepted: return "sshd.accepted"
        case .sshdNoIdentification: return "sshd.ddos.no-identification"
        case .sshdKexIdentification: return "sshd.ddos.kex-identification"
        case .sshdBadProtocolVersion: return "sshd.ddos.bad-protocol-version"
        case .sshdServerLtype: return "sshd.ddos.server-ltype"
        case .sshdReadSocketReset: return "sshd.ddos.read-socket-reset"
        case .sshdBannerInvalidFormat: return "sshd.ddos.banner-invalid-format"
        case .sshdNoAuthenticationMethods: return "sshd.extra.no-auth-methods"
        case .sshdUnableToNegotiateWith: return "sshd.extra.unable-to-negotiate-with"
        case .sshdUnableToNegotiate: return "sshd.extra.unable-to-negotiate"
        case .sshdNoMatchingFound: return "sshd.extra.no-matching-found"
        case .sshdConnectionFrom: return "sshd.connection-from"
        case .recidiveBan: return "recidive.ban"
        case .fail2banFound: return "fail2ban.found"
        case .fail2banBan: return "fail2ban.ban"
        case .fail2banUnban: return "fail2ban.unban"
        case .fail2banRestoreBan: return "fail2ban.restore-ban"
        }
    }

    public var description: String { name }

    public static func < (lhs: Rule, rhs: Rule) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The rule with a given name.
    public init?(name: String) {
        guard let rule = Rule.allCases.first(where: { $0.name == name }) else { return nil }
        self = rule
    }
}
