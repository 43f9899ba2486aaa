// Where an accepted invitation leads: the account exists; the person goes on to sign in (where their
// organization requires a second factor, sign-in then asks them to set one up).
import type { MetaFunction } from "@remix-run/node";
import { Link } from "@remix-run/react";

export const meta: MetaFunction = () => [{ title: "Your account is ready · CME Credit Verification" }];

export default function InviteAccepted() {
  return (
    <div className="login">
      <div className="login__card" data-testid="invite-accepted">
        <h1>Your account is ready</h1>
        <p>Sign in with the email address you were invited with and the password you just chose.</p>
        <Link to="/login" className="button button--primary button--block">
          Continue to sign in
        </Link>
      </div>
    </div>
  );
}
