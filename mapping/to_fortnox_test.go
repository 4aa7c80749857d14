package mapping

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFortnoxCustomerChangesNeverBlank(t *testing.T) {
	have := FortnoxCustomer{Type: fortnoxPrivateType, Name: "A", Address1: "Gatan 1", ZipCode: "123 45", City: "Ort", CountryCode: "SE",
		DeliveryAddress1: "Lager 1", DeliveryCountryCode: "SE"}
	want := FortnoxCustomer{Type: fortnoxPrivateType, Name: "A", ZipCode: "12345", CountryCode: "se", DeliveryCity: "Kiruna"}
	in, names, merged := FortnoxCustomerChanges(have, want)
	assert.Equal(t, []string{"DeliveryCity"}, names)
	require.NotNil(t, in.DeliveryCity)
	assert.Equal(t, "Kiruna", *in.DeliveryCity)
	assert.Nil(t, in.Address1)
	assert.Nil(t, in.ZipCode)
	assert.Equal(t, "Gatan 1", merged.Address1)
	assert.Equal(t, "Lager 1", merged.DeliveryAddress1)
	assert.Equal(t, "Kiruna", merged.DeliveryCity)
}
