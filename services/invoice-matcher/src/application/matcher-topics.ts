// The Kafka topics the matcher reads and writes (names from config; defaults in @ic/event-log).
export interface MatcherTopics {
  htlcIntercepted: string;
  htlcCommands: string;
  htlcOutcomes: string;
  invoiceEvents: string;
  matcherEvents: string;
}
