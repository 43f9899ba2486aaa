// The request's CSP nonce, for components that render <script> tags (browser-safe; empty on the client).
import { createContext, useContext } from "react";

export const NonceContext = createContext<string>("");
export const useNonce = () => useContext(NonceContext);
