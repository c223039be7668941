package auth_test

import (
	"fmt"
	"time"

	"github.com/djinn-go/djinn/auth"
)

func ExampleTokens() {
	tokens := &auth.Tokens{Secret: "a long random secret key", Timeout: 72 * time.Hour}
	u := &auth.User{ID: 7, Password: "pbkdf2_sha256$1000000$salt$hash", Email: "ann@example.com"}
	sent := time.Date(2025, 11, 26, 9, 0, 0, 0, time.UTC)
	token := tokens.MakeToken(u, sent)
	link := "/accounts/reset/" + auth.EncodeUID(u.ID) + "/" + token + "/"
	fmt.Println(link[:len("/accounts/reset/Nw/")])

	fmt.Println(tokens.CheckToken(u, token, sent.Add(time.Hour)))    // clicked an hour later
	fmt.Println(tokens.CheckToken(u, token, sent.Add(73*time.Hour))) // too late
	u.Password = "pbkdf2_sha256$1000000$salt$new"                    // the password was reset
	fmt.Println(tokens.CheckToken(u, token, sent.Add(time.Hour)))
	// Output:
	// /accounts/reset/Nw/
	// true
	// false
	// false
}
