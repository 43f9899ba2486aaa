// The card a sign-in through an organization's identity provider shows when it cannot go on: what
// happened, and the way back to the sign-in page.
import { Link } from "@remix-run/react";

export function SignInProblem({ title, message }: { title: string; message: string }) {
  return (
    <div className="login">
      <div className="login__card">
        <h1>{title}</h1>
        <div className="alert alert--error form" role="alert">
          {message}
        </div>
        <p className="form">
          <Link to="/login" className="button button--primary button--block">
            Back to sign in
          </Link>
        </p>
      </div>
    </div>
  );
}
