// What --help prints: the whole CLI, or one command.

export const CLI_NAME = "ic-coordinator";
export const DEFAULT_API_ADDRESS = "127.0.0.1:10200";

const CONNECTION = `Connection (every command):
  --api HOST:PORT     invoice API address (env IC_API_ADDRESS; default ${DEFAULT_API_ADDRESS})
  --token TOKEN       API bearer token (env IC_API_TOKEN; prefer the variable: arguments
                      are visible to other users in the process list)
  --tls-cert PATH     the API's TLS certificate (PEM): connect with TLS (env IC_API_TLS_CERT);
                      without it the connection is cleartext, which the API allows on loopback only`;

export const COMMAND_HELP = {
  add: `${CLI_NAME} add --ref REF --mode auto|hold [--amount-msat N | --amount-sat N]
                  [--description TEXT | --description-hash HEX] [--expiry SECONDS]
  Creates an invoice payable through any cluster node. Prints {"created", "invoice"}.
  --ref REF                your reference (e.g. an order id); adding the same REF with the
                           same terms again returns the existing invoice ("created": false)
  --mode auto|hold         auto: settled as soon as paid; hold: held until settle or cancel
  --amount-msat N          amount in millisatoshi; --amount-sat N in satoshi; neither: the
                           payer chooses the amount
  --description TEXT       shown to the payer (at most 639 bytes)
  --description-hash HEX   SHA-256 of a longer description (64 hex characters)
  --expiry SECONDS         default 3600`,
  lookup: `${CLI_NAME} lookup (--hash PAYMENT_HASH | --ref REF | PAYMENT_HASH)
  Prints the invoice.`,
  list: `${CLI_NAME} list [--page-size N] [--page-token TOKEN] [--all]
  Prints {"invoices", "nextPageToken"} in creation order; --all follows every page and
  prints {"invoices"}. --page-size 0 or absent: the server's default (100).`,
  settle: `${CLI_NAME} settle (--hash PAYMENT_HASH | PAYMENT_HASH)
  Settles the accepted payment of a hold invoice. Prints the invoice (SETTLE_REQUESTED until
  lnd confirms every HTLC, then SETTLED). Settling again is harmless.`,
  cancel: `${CLI_NAME} cancel (--hash PAYMENT_HASH | PAYMENT_HASH)
  Cancels an invoice and fails the HTLCs it holds. Refused once it is being settled.`,
  subscribe: `${CLI_NAME} subscribe [--after SEQUENCE] [--max-events N]
  Prints every invoice event after SEQUENCE (default 0: all), then live ones, one JSON object
  per line, until Ctrl-C (or N events). To resume, pass the last "sequence" seen as --after.`,
  info: `${CLI_NAME} info
  Prints the coordinator's public key, network and cluster nodes (pubkey, virtual scid,
  whether their bridge is connected).`,
} as const;

export type CommandName = keyof typeof COMMAND_HELP;

export const COMMAND_NAMES = Object.keys(COMMAND_HELP) as CommandName[];

export const GENERAL_HELP = `Usage: ${CLI_NAME} <command> [flags]

Operator CLI of the invoice coordinator's invoice API. Prints JSON on stdout; amounts, scids
and sequences are decimal strings (exact 64-bit values).

Commands:
  add        create an invoice
  lookup     show an invoice by payment hash or reference
  list       list invoices
  settle     settle a hold invoice's accepted payment
  cancel     cancel an invoice
  subscribe  stream invoice events
  info       coordinator identity and cluster nodes

${CONNECTION}

  -h, --help          this text; "<command> --help" for one command

Exit codes: 0 done; 1 the API refused or failed the request; 2 usage error;
3 the API is unreachable or unavailable (retrying may help); 4 authentication refused.`;

export function commandHelp(command: CommandName): string {
  return `Usage: ${COMMAND_HELP[command]}\n\n${CONNECTION}`;
}
