import { Unavailable, useSession } from "../ui";

export function KeysPage() {
  const session = useSession();
  if (!session) return null;
  if (!session.features.keys) return <Unavailable what="The keystore" />;
  return null;
}
